/** `slayer score MODEL --data DATA`: angular distance and Block Influence of every block. */
import { scoreLayers, SCORE_SAMPLES, SCORE_SEQ_LEN, type ScoreResult } from '../../main/analysis/index.js';
import { UserError } from '../../shared/errors.js';
import type { Command } from '../command.js';
import { ANALYSIS_DETAILS, ANALYSIS_FLAGS, ANALYSIS_USAGE, analysisSettings, precisionWords } from '../analysis-flags.js';
import { requirePositional } from '../args.js';
import { DATA_DETAILS, DATA_FLAGS, dataOptions, ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer score MODEL --data DATA [--seq-len ${SCORE_SEQ_LEN}] [--samples ${SCORE_SAMPLES}] [--seed 0] [--split S] [--spans N[,M...]] ${ANALYSIS_USAGE} ${ENGINE_USAGE} [--json]`;

/** "2,3" -> [2, 3]; the range is checked against the model's depth by scoreLayers. */
function spansFlag(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === 'none') return [];
  const spans = raw.split(',').map((x) => Number(x.trim()));
  if (!spans.every((n) => Number.isInteger(n))) throw new UserError(`--spans takes whole numbers separated by commas (e.g. 2,3) or none, got "${raw}".`);
  return spans;
}

export const scoreCommand: Command<ScoreResult> = {
  usage: USAGE,
  details: [
    'Small values mark layers that do little: candidates for pruning. `slayer plan --scores FILE` reads the --json output.',
    '--spans N[,M]: also measure d(h_l, h_l+N), how much each run of N layers changes the representation (read by',
    '  slayer plan --prune gromov). Default: the number of layers the S plan deletes on this model when it is 2 or more; none to skip.',
    ...DATA_DETAILS,
    ...ANALYSIS_DETAILS,
    ...ENGINE_DETAILS,
  ],
  options: { ...DATA_FLAGS, ...ANALYSIS_FLAGS, ...ENGINE_FLAGS, spans: { type: 'string' } },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const { data, ...rest } = dataOptions(values, USAGE);
    const spans = spansFlag(typeof values.spans === 'string' ? values.spans : undefined);
    return scoreLayers(model, data, { ...rest, ...analysisSettings(values), ...engineSettings(values), ...(spans ? { spans } : {}) }, ctx);
  },
  format(r) {
    const f = (x: number) => x.toFixed(4).padStart(12);
    return [
      `Layer  ${'angularLast'.padStart(12)}${'angularMean'.padStart(12)}${'blockInfl.'.padStart(12)}`,
      ...r.layers.map((l) => `${String(l.index).padStart(5)}  ${f(l.angularLast)}${f(l.angularMean)}${f(l.blockInfluence)}`),
      ...(r.spans ?? []).flatMap((s) => [
        '',
        `Runs of ${s.span} layers: d(h_l, h_l+${s.span})`,
        ...s.layers.map((l) => `${`${l.index}-${l.index + s.span - 1}`.padStart(7)}${f(l.angularLast).slice(2)}${f(l.angularMean)}${f(l.blockInfluence)}`),
      ]),
      '',
      `${r.samples} sequences of ${r.seqLen} tokens (seed ${r.seed}), data ${r.dataHash}; ${r.provider}, ${precisionWords(r)}, ${r.seconds.toFixed(1)} s`,
    ].join('\n');
  },
};
