/**
 * Where an export may be written: never the model folder itself, inside it, or around it
 * (replacing such an output would delete the model), and never over an existing file or folder
 * unless asked to, in which case the old one is replaced only once the new one is complete.
 */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../../shared/errors.js';

export async function checkOutputPlace(modelDir: string, out: string, kind: 'file' | 'folder', overwrite: boolean): Promise<void> {
  const model = await realpath(modelDir);
  const target = await realpath(out).catch(() => resolve(out));
  const inside = (child: string, parent: string) => {
    const path = relative(parent, child);
    return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
  };
  if (inside(target, model)) throw new UserError(`The output ${out} is the model folder or inside it. Choose a place outside ${modelDir}.`);
  if (inside(model, target)) throw new UserError(`The output ${out} contains the model folder ${modelDir}; replacing it would delete the model. Choose another place.`);
  const existing = await stat(target).catch(() => null);
  if (!existing) return;
  if (kind === 'file' && existing.isDirectory()) throw new UserError(`${out} is a folder. Give the GGUF file's name, e.g. ${resolve(out, 'model.gguf')}.`);
  if (kind === 'folder' && !existing.isDirectory()) throw new UserError(`${out} is a file. Choose a folder name for the export.`);
  if (!overwrite) throw new UserError(`${out} already exists. Choose a new name, or replace it with --force (the old one stays until the export is complete).`);
}
