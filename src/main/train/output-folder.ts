/**
 * Where a run may write: OUT must not be the model folder, inside it or around it (the final
 * rename would put files into the model, or replacing OUT would delete it). An existing OUT is
 * continued with resume, started over with overwrite (its old checkpoints are deleted, its model
 * files replaced only when the new model is complete), and refused otherwise.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { outputApartFromModel } from '../fs/output-place.js';
import { UserError } from '../../shared/errors.js';
import { CHECKPOINTS_FOLDER } from './checkpoint.js';

export async function prepareOutput(modelDir: string, outDir: string, o: { resume: boolean; overwrite: boolean }): Promise<void> {
  const existing = await outputApartFromModel(modelDir, outDir);
  if (existing && !existing.isDirectory()) throw new UserError(`${outDir} is a file. Choose a folder name for the trained model.`);
  if (o.resume) return;
  if (existing && (await readdir(outDir)).length > 0) {
    if (!o.overwrite) {
      throw new UserError(`${outDir} already exists. Add --resume to continue the run saved there, or choose a new folder.`);
    }
    await rm(join(outDir, CHECKPOINTS_FOLDER), { recursive: true, force: true });
  }
}
