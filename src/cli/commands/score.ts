/** `slayer score MODEL --data DATA`: angular distance and Block Influence of every block. */
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { scoreSchema } from '../../shared/commands/score.js';
import { scoreLayers, type ScoreResult } from '../../main/analysis/index.js';
import type { Command } from '../command.js';
import { ANALYSIS_DETAILS, precisionWords, weightCacheFolder } from '../analysis-flags.js';
import { requirePositional } from '../args.js';
import { DATA_DETAILS, ENGINE_DETAILS } from '../run-flags.js';

const USAGE = 'slayer score MODEL --data DATA [options] [--json]';

export const scoreCommand: Command<ScoreResult> = {
  usage: USAGE,
  details: [
    'Small values mark layers that do little: candidates for pruning. `slayer plan --scores FILE` reads the --json output.',
    '--spans N[,M]: d(h_l, h_l+N), how much each run of N layers changes the representation.',
    ...DATA_DETAILS,
    ...ANALYSIS_DETAILS,
    ...ENGINE_DETAILS,
  ],
  options: parseArgsOptions(scoreSchema),
  optionHelp: helpLines(scoreSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const { modelDir, data, weightCache, ...options } = parseFlags(scoreSchema, values, { modelDir: model }, USAGE);
    return scoreLayers(modelDir, data, { ...options, provider: options.provider ?? 'auto', weightCache: weightCacheFolder(weightCache) }, ctx);
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
