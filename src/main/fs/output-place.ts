/**
 * Where a command that reads a model may write: never the model folder itself, inside it, or
 * around it — the temporary output would become part of the source, or replacing the output
 * would delete the model. Callers then decide what an existing output means for them.
 */
import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { UserError } from '../../shared/errors.js';

function inside(child: string, parent: string): boolean {
  const path = relative(parent, child);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/** Refuses an output that overlaps the model; returns what is at the output now (null: nothing). */
export async function outputApartFromModel(modelDir: string, out: string): Promise<Stats | null> {
  const model = await realpath(modelDir);
  const target = await realpath(out).catch(() => resolve(out));
  if (inside(target, model)) throw new UserError(`The output ${out} is the model folder or inside it. Choose a place outside ${modelDir}.`);
  if (inside(model, target))
    throw new UserError(`The output ${out} contains the model folder ${modelDir}; replacing it would delete the model. Choose another place.`);
  return stat(target).catch(() => null);
}
