/** `slayer train MODEL --data DATA --out DIR`: continued pre-training of the plan's trainable layers, on one source or a mixture. */
import { trainSchema } from '../../shared/commands/train.js';
import { train, type TrainRunResult } from '../../main/train/index.js';
import { requireRoomForJob } from '../../main/estimate/job.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { formatTrainResult } from '../format-train.js';
import { TRAIN_DETAILS, trainCommandOptions, trainOptions } from '../train-flags.js';

const USAGE = 'slayer train MODEL --data [NAME=]DATA[:WEIGHT] --out DIR [options] [--json]';

export const trainCommand: Command<TrainRunResult> = {
  usage: USAGE,
  details: [
    'DATA: a file or folder of text, source code or .jsonl, or a corpus built by `slayer corpus --out DIR` (its train part, or --split).',
    '--format instruct: DATA are instruction examples, as for `slayer sft` (see slayer sft --help).',
    ...TRAIN_DETAILS,
  ],
  ...trainCommandOptions(trainSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const options = trainOptions(trainSchema, values, model, USAGE);
    await requireRoomForJob('train', { ...options, modelDir: model });
    return train(model, options, ctx);
  },
  format: formatTrainResult,
};
