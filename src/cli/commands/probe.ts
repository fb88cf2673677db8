/** `slayer probe MODEL --kind drop|insert --data DATA [--qa QA]`: quality with each layer dropped, or with one inserted after it. */
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { probeSchema } from '../../shared/commands/probe.js';
import { probeLayers, type ProbeResult } from '../../main/analysis/index.js';
import type { Command } from '../command.js';
import { ANALYSIS_DETAILS, precisionWords, weightCacheFolder } from '../analysis-flags.js';
import { requirePositional } from '../args.js';
import { DATA_DETAILS, ENGINE_DETAILS } from '../run-flags.js';

const USAGE = 'slayer probe MODEL --kind drop|insert --data DATA [options] [--json]';

export const probeCommand: Command<ProbeResult> = {
  usage: USAGE,
  details: [
    '--kind drop: the model without layer i. --kind insert: an extra layer after i, a copy of i (--init copy, default)',
    '  or the average of i and i+1 (--init average; after the last layer a copy). Each probe starts from the hidden states the unchanged',
    '  model left at layer i (kept when memory allows), so a sweep costs about half of layers + 1 full runs plus one LM head per layer.',
    'QA: .jsonl lines {"question": "...", "choices": ["...", "..."], "answer": 0}, scored by log-likelihood.',
    ...DATA_DETAILS,
    ...ANALYSIS_DETAILS,
    ...ENGINE_DETAILS,
  ],
  options: parseArgsOptions(probeSchema),
  optionHelp: helpLines(probeSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const { modelDir, weightCache, ...options } = parseFlags(probeSchema, values, { modelDir: model }, USAGE);
    return probeLayers(modelDir, { ...options, provider: options.provider ?? 'auto', weightCache: weightCacheFolder(weightCache) }, ctx);
  },
  format(r) {
    const qa = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`).padStart(10);
    const row = (label: string, m: { perplexity: number; qaAccuracy: number | null }) =>
      `${label.padStart(8)}  ${m.perplexity.toFixed(3).padStart(12)}${qa(m.qaAccuracy)}`;
    const title = r.kind === 'drop' ? 'Layer dropped' : `Layer inserted after (${r.init})`;
    return [
      title,
      `${'Layer'.padStart(8)}  ${'perplexity'.padStart(12)}${'QA acc.'.padStart(10)}`,
      row('none', r.baseline),
      ...r.layers.map((l) => row(String(l.index), l)),
      ...r.notes,
      '',
      `${r.samples} sequences of ${r.seqLen} tokens (seed ${r.seed}), data ${r.dataHash}${r.qaHash ? `, ${r.qaItems} questions ${r.qaHash}` : ''}; ${precisionWords(r)}, ${r.seconds.toFixed(1)} s`,
    ].join('\n');
  },
};
