/**
 * `slayer generate` and the 'generate' job: a model continues a prompt, greedily or by seeded
 * sampling. Every option declared once (src/shared/command-schema.ts); the Evaluate step's side
 * by side takes its sampling defaults and shows its command lines from the same object.
 */
import { z } from 'zod';
import { commandLine, flag } from '../command-schema.js';
import { engineOptions, path, seed } from './common.js';

export const generateSchema = z.object({
  modelDir: path,
  prompt: flag(z.string().min(1, 'a prompt is required').max(20_000), { flag: 'prompt', value: 'TEXT', description: 'the text the model continues' }),
  maxTokens: flag(z.number().int().min(1).max(4096).default(64), {
    flag: 'max-tokens',
    value: 'N',
    description: "new tokens at most (it also stops at the end-of-text token or when the model's context is full)",
  }),
  temperature: flag(z.number().min(0).max(5).default(0), {
    flag: 'temperature',
    value: 'T',
    description: '0 picks the most likely token each time; above 0 samples, reproducibly for the same --seed',
  }),
  topK: flag(z.number().int().min(0).max(100_000).default(0), {
    flag: 'top-k',
    value: 'K',
    description: 'sample among the K most likely tokens only; 0: all',
  }),
  topP: flag(z.number().gt(0).max(1).default(1), {
    flag: 'top-p',
    value: 'P',
    description: 'sample among the most likely tokens up to probability P only; 1: all',
  }),
  seed: flag(seed, { flag: 'seed', value: 'S', description: 'seeds the sampling' }),
  ...engineOptions,
});

export type GenerateJobRequest = z.input<typeof generateSchema>;

/** The `slayer generate` command line that runs the job `params`. */
export function generateCommandLine(params: GenerateJobRequest): string {
  const parsed = generateSchema.parse(params);
  return commandLine(['slayer', 'generate', parsed.modelDir], generateSchema, parsed);
}
