/**
 * Where a run may write: OUT must not be the model folder, inside it or around it (the final
 * rename would put files into the model, or replacing OUT would delete it). An existing OUT is
 * continued with resume, started over with overwrite (its old checkpoints are deleted, its model
 * files replaced only when the new model is complete), and refused otherwise.
 */
import { readdir, realpath, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { CHECKPOINTS_FOLDER } from './checkpoint.js';

export async function prepareOutput(modelDir: string, outDir: string, o: { resume: boolean; overwrite: boolean }): Promise<void> {
  const model = await realpath(modelDir);
  const out = await realpath(outDir).catch(() => resolve(outDir));
  const inside = (child: string, parent: string) => {
    const path = relative(parent, child);
    return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
  };
  if (inside(out, model)) throw new UserError(`The output folder ${outDir} is the model folder or inside it. Choose a folder outside ${modelDir}.`);
  if (inside(model, out)) throw new UserError(`The output folder ${outDir} contains the model folder ${modelDir}. Choose another folder.`);
  const existing = await stat(out).catch(() => null);
  if (existing && !existing.isDirectory()) throw new UserError(`${outDir} is a file. Choose a folder name for the trained model.`);
  if (o.resume) return;
  if (existing && (await readdir(out)).length > 0) {
    if (!o.overwrite) {
      throw new UserError(`${outDir} already exists. Add --resume to continue the run saved there, or choose a new folder.`);
    }
    await rm(join(out, CHECKPOINTS_FOLDER), { recursive: true, force: true });
  }
}
