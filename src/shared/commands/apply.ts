/**
 * `slayer apply` and the 'apply' job: the surgery that builds the planned model. Every option
 * declared once (src/shared/command-schema.ts); the job is the same object with the plan itself
 * where the command line names its file (PLAN.json, the positional).
 */
import { z } from 'zod';
import { commandLine, flag } from '../command-schema.js';
import { path } from './common.js';

export const applySchema = z.object({
  modelDir: flag(path, { flag: 'model', value: 'MODEL', description: 'the base model folder the plan was made for' }),
  out: flag(path, { flag: 'out', value: 'DIR', description: 'the new model folder: config, tokenizer, weights and slayer.json' }),
  overwrite: flag(z.boolean().default(false), { flag: 'force', description: 'replace an existing DIR, only once the new model is complete' }),
});

/** The 'apply' job: the flags above and the plan (checked against the model by the surgery). */
export const applyJobSchema = applySchema.extend({ plan: z.unknown() });

/** The `slayer apply` command line that builds the job `params` from the plan saved as `planFile`. */
export function applyCommandLine(planFile: string, params: z.input<typeof applySchema>): string {
  return commandLine(['slayer', 'apply', planFile], applySchema, applySchema.parse(params), ['modelDir', 'out']);
}
