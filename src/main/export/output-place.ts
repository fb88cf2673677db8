/**
 * Where an export may be written: never the model folder itself, inside it, or around it
 * (replacing such an output would delete the model), and never over an existing file or folder
 * unless asked to, in which case the old one is replaced only once the new one is complete.
 */
import { resolve } from 'node:path';
import { outputApartFromModel } from '../fs/output-place.js';
import { UserError } from '../../shared/errors.js';

export async function checkOutputPlace(modelDir: string, out: string, kind: 'file' | 'folder', overwrite: boolean): Promise<void> {
  const existing = await outputApartFromModel(modelDir, out);
  if (!existing) return;
  if (kind === 'file' && existing.isDirectory()) throw new UserError(`${out} is a folder. Give the GGUF file's name, e.g. ${resolve(out, 'model.gguf')}.`);
  if (kind === 'folder' && !existing.isDirectory()) throw new UserError(`${out} is a file. Choose a folder name for the export.`);
  if (!overwrite) throw new UserError(`${out} already exists. Choose a new name, or replace it with --force (the old one stays until the export is complete).`);
}
