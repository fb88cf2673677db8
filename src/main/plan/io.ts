/** Plan files on disk: written atomically, read back only through validatePlan. */
import { rename, rm, writeFile } from 'node:fs/promises';
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import { readJsonFile } from './json-file.js';
import { validatePlan } from './validate.js';

/** Temp file next to the target, then rename: readers see the old file or the whole new one. */
export async function writePlanFile(file: string, plan: Plan): Promise<void> {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(plan, null, 2)}\n`);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw new UserError(`Cannot write the plan to ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Choose a folder you can write to.`);
  }
}

export async function readPlanFile(file: string, m: ModelDescription): Promise<Plan> {
  return validatePlan(await readJsonFile(file, 'Make the plan with slayer plan.'), m, file);
}
