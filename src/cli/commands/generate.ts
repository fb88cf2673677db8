/** `slayer generate MODEL --prompt TEXT`: continue a prompt, greedily or by seeded sampling. */
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { generateSchema } from '../../shared/commands/generate.js';
import { generateText, type GenerateResult } from '../../main/evaluate/index.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { ENGINE_DETAILS } from '../run-flags.js';

const USAGE = 'slayer generate MODEL --prompt TEXT [options] [--json]';

export const generateCommand: Command<GenerateResult> = {
  usage: USAGE,
  details: [
    '--temperature 0 (default) picks the most likely token each time; above 0 samples, reproducibly for the same --seed.',
    '--top-k K keeps the K most likely tokens (0 = all); --top-p P keeps the most likely tokens up to probability P (1 = all).',
    "Stops at the end-of-text token, after --max-tokens new tokens, or when the model's context is full.",
    ...ENGINE_DETAILS,
  ],
  options: parseArgsOptions(generateSchema),
  optionHelp: helpLines(generateSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const { modelDir, prompt, ...options } = parseFlags(generateSchema, values, { modelDir: model }, USAGE);
    return generateText(modelDir, prompt, { ...options, provider: options.provider ?? 'auto' }, ctx);
  },
  format(r) {
    return `${r.prompt}${r.text}`;
  },
};
