/** `slayer probe MODEL --kind drop|insert --data DATA [--qa QA]`: quality with each layer dropped, or with one inserted after it. */
import { PROBE_INITS, PROBE_KINDS, PROBE_SAMPLES, PROBE_SEQ_LEN, probeLayers, type ProbeResult } from '../../main/analysis/index.js';
import type { Command } from '../command.js';
import { ANALYSIS_DETAILS, ANALYSIS_FLAGS, ANALYSIS_USAGE, analysisSettings, precisionWords } from '../analysis-flags.js';
import { choiceFlag, requirePositional, requireStringFlag, stringFlag } from '../args.js';
import { DATA_DETAILS, DATA_FLAGS, dataOptions, ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer probe MODEL --kind drop|insert [--init copy|average] --data DATA [--qa QA] [--seq-len ${PROBE_SEQ_LEN}] [--samples ${PROBE_SAMPLES}] [--seed 0] [--split S] ${ANALYSIS_USAGE} ${ENGINE_USAGE} [--json]`;

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
  options: { kind: { type: 'string' }, init: { type: 'string' }, qa: { type: 'string' }, ...DATA_FLAGS, ...ANALYSIS_FLAGS, ...ENGINE_FLAGS },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    requireStringFlag(values, 'kind', USAGE);
    return probeLayers(
      model,
      {
        kind: choiceFlag(values, 'kind', PROBE_KINDS, 'drop'),
        init: choiceFlag(values, 'init', PROBE_INITS, 'copy'),
        qa: stringFlag(values, 'qa'),
        ...dataOptions(values, USAGE),
        ...analysisSettings(values),
        ...engineSettings(values),
      },
      ctx,
    );
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
