/** `slayer generate MODEL --prompt TEXT`: continue a prompt, greedily or by seeded sampling. */
import { generateText, type GenerateResult } from '../../main/evaluate/index.js';
import type { Command } from '../command.js';
import { numberFlag, requirePositional, requireStringFlag } from '../args.js';
import { ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer generate MODEL --prompt TEXT [--max-tokens 64] [--temperature 0] [--top-k 0] [--top-p 1] [--seed 0] ${ENGINE_USAGE} [--json]`;

export const generateCommand: Command<GenerateResult> = {
  usage: USAGE,
  details: [
    '--temperature 0 (default) picks the most likely token each time; above 0 samples, reproducibly for the same --seed.',
    '--top-k K keeps the K most likely tokens (0 = all); --top-p P keeps the most likely tokens up to probability P (1 = all).',
    "Stops at the end-of-text token, after --max-tokens new tokens, or when the model's context is full.",
    ...ENGINE_DETAILS,
  ],
  options: {
    prompt: { type: 'string' },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    ...ENGINE_FLAGS,
  },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const prompt = requireStringFlag(values, 'prompt', USAGE);
    return generateText(
      model,
      prompt,
      {
        maxTokens: numberFlag(values, 'max-tokens', 64, { min: 1, integer: true }),
        temperature: numberFlag(values, 'temperature', 0, { min: 0 }),
        topK: numberFlag(values, 'top-k', 0, { min: 0, integer: true }),
        topP: numberFlag(values, 'top-p', 1, { min: 0, max: 1 }),
        seed: numberFlag(values, 'seed', 0, { min: 0, integer: true }),
        ...engineSettings(values),
      },
      ctx,
    );
  },
  format(r) {
    return `${r.prompt}${r.text}`;
  },
};
