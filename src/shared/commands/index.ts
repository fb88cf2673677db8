/** The schema of every `slayer` command that has one, by command name: docs/cli.md lists their options from these (`slayer sft` takes train's, less --format). */
import type { z } from 'zod';
import { applySchema } from './apply.js';
import { corpusSchema } from './corpus.js';
import { evalSchema } from './eval.js';
import { exportSchema } from './export.js';
import { generateSchema } from './generate.js';
import { demoSchema } from './demo.js';
import { planSchema } from './plan.js';
import { probeSchema } from './probe.js';
import { runSchema } from './run.js';
import { scoreSchema } from './score.js';
import { trainSchema } from './train.js';

export const COMMAND_SCHEMAS: Record<string, z.ZodObject> = {
  score: scoreSchema,
  probe: probeSchema,
  plan: planSchema,
  apply: applySchema,
  corpus: corpusSchema,
  train: trainSchema,
  eval: evalSchema,
  generate: generateSchema,
  export: exportSchema,
  run: runSchema,
  demo: demoSchema,
};
