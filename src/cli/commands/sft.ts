/**
 * `slayer sft MODEL --data CHAT.jsonl --out DIR`: the instruct stage. Instruction examples
 * (messages, ShareGPT, Alpaca or prompt/completion JSON Lines) rendered with the model's chat
 * template, loss on the response tokens only, training the same layers as the S stage.
 */
import { sftSchema } from '../../shared/commands/train.js';
import { train, type TrainRunResult } from '../../main/train/index.js';
import { requireRoomForJob } from '../../main/estimate/job.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { formatTrainResult } from '../format-train.js';
import { TRAIN_DETAILS, trainCommandOptions, trainOptions } from '../train-flags.js';

const USAGE = 'slayer sft MODEL --data CHAT.jsonl --out DIR [--template FILE] [--packing pack|pad] [options] [--json]';

export const sftCommand: Command<TrainRunResult> = {
  usage: USAGE,
  details: [
    'CHAT.jsonl: a .jsonl (or .json array) file, or a folder of them; each example one of',
    '  {"messages": [{"role": "system"|"user"|"assistant", "content": ...}, ...]}   {"conversations": [{"from": "human"|"gpt", "value": ...}]}',
    '  {"instruction": ..., "input": ... (optional), "output": ...}                 {"prompt": ..., "completion": ...}',
    '  A line with a missing field or an empty response stops the run before anything trains (--bad-lines skip lists and skips it).',
    "Rendered with the model's chat template (chat_template.jinja, or tokenizer_config.json's chat_template), or --template FILE;",
    '  a model without one gets a plain Alpaca-style template, printed with the result. Every assistant turn is learned,',
    '  its closing token included; every other token is context only.',
    '--packing pack (default): several examples per sequence, attention kept within each example (a block-diagonal mask);',
    '  pad: one example per sequence, padded to the longest of its batch. Longer examples keep their first --seq-len tokens.',
    "--trainable auto (default) trains what slayer.json marks trainable: the S stage's layers.",
    '--eval-data CHAT.jsonl: held-out examples, scored on their response tokens.',
    ...TRAIN_DETAILS,
  ],
  ...trainCommandOptions(sftSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const options = trainOptions(sftSchema, values, model, USAGE, { format: 'instruct' });
    await requireRoomForJob('train', { ...options, modelDir: model });
    return train(model, options, ctx);
  },
  format: formatTrainResult,
};
