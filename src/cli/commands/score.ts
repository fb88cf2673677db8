/** `slayer score MODEL --data DATA`: angular distance and Block Influence of every block. */
import { scoreLayers, SCORE_SAMPLES, SCORE_SEQ_LEN, type ScoreResult } from '../../main/analysis/index.js';
import type { Command } from '../command.js';
import { ANALYSIS_DETAILS, ANALYSIS_FLAGS, ANALYSIS_USAGE, analysisSettings, precisionWords } from '../analysis-flags.js';
import { requirePositional } from '../args.js';
import { DATA_DETAILS, DATA_FLAGS, dataOptions, ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer score MODEL --data DATA [--seq-len ${SCORE_SEQ_LEN}] [--samples ${SCORE_SAMPLES}] [--seed 0] [--split S] ${ANALYSIS_USAGE} ${ENGINE_USAGE} [--json]`;

export const scoreCommand: Command<ScoreResult> = {
  name: 'score',
  summary: 'Measure how much each layer changes its input (angular distance, Block Influence).',
  usage: USAGE,
  details: [
    'Small values mark layers that do little: candidates for pruning. `slayer plan --scores FILE` reads the --json output.',
    ...DATA_DETAILS,
    ...ANALYSIS_DETAILS,
    ...ENGINE_DETAILS,
  ],
  options: { ...DATA_FLAGS, ...ANALYSIS_FLAGS, ...ENGINE_FLAGS },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const { data, ...rest } = dataOptions(values, USAGE);
    return scoreLayers(model, data, { ...rest, ...analysisSettings(values), ...engineSettings(values) }, ctx);
  },
  format(r) {
    const f = (x: number) => x.toFixed(4).padStart(12);
    return [
      `Layer  ${'angularLast'.padStart(12)}${'angularMean'.padStart(12)}${'blockInfl.'.padStart(12)}`,
      ...r.layers.map((l) => `${String(l.index).padStart(5)}  ${f(l.angularLast)}${f(l.angularMean)}${f(l.blockInfluence)}`),
      '',
      `${r.samples} sequences of ${r.seqLen} tokens (seed ${r.seed}), data ${r.dataHash}; ${r.provider}, ${precisionWords(r)}, ${r.seconds.toFixed(1)} s`,
    ].join('\n');
  },
};
