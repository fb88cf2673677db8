/** Plan files on disk: written atomically, read back only through validatePlan. */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import { writeJsonAtomic } from '../fs/atomic.js';
import { readJsonFile } from './json-file.js';
import { validatePlan } from './validate.js';

export async function writePlanFile(file: string, plan: Plan): Promise<void> {
  try {
    await writeJsonAtomic(file, plan);
  } catch (e) {
    throw new UserError(`Cannot write the plan to ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Choose a folder you can write to.`);
  }
}

export async function readPlanFile(file: string, m: ModelDescription): Promise<Plan> {
  return validatePlan(await readJsonFile(file, 'Make the plan with slayer plan.'), m, file);
}
