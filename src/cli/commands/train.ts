/** `slayer train MODEL --data DATA --out DIR`: continued pre-training of the plan's trainable layers, on one source or a mixture. */
import { DATA_FORMATS, train, type TrainRunResult } from '../../main/train/index.js';
import { requireRoomForJob } from '../../main/estimate/job.js';
import type { Command } from '../command.js';
import { choiceFlag, requirePositional } from '../args.js';
import { formatTrainResult } from '../format-train.js';
import { TRAIN_DETAILS, TRAIN_FLAGS, TRAIN_USAGE, trainOptions } from '../train-flags.js';

const USAGE = `slayer train MODEL --data [NAME=]DATA[:WEIGHT] --out DIR [--format text|instruct] ${TRAIN_USAGE}`;

export const trainCommand: Command<TrainRunResult> = {
  usage: USAGE,
  details: [
    'DATA: a file or folder of text, source code or .jsonl, or a corpus built by `slayer corpus --out DIR` (its train part, or --split).',
    '--format instruct: DATA are instruction examples, as for `slayer sft` (see slayer sft --help).',
    ...TRAIN_DETAILS,
  ],
  options: { ...TRAIN_FLAGS, format: { type: 'string' } },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const options = trainOptions(values, USAGE, choiceFlag(values, 'format', DATA_FORMATS, 'text'));
    await requireRoomForJob('train', { ...options, modelDir: model });
    return train(model, options, ctx);
  },
  format: formatTrainResult,
};
