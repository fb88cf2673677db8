/** `slayer eval MODEL --data DATA [--qa QA]`: held-out perplexity and multiple-choice accuracy. */
import { evaluateModel, EVAL_SEQ_LEN, type EvaluateResult } from '../../main/evaluate/index.js';
import type { Command } from '../command.js';
import { requirePositional, stringFlag } from '../args.js';
import { DATA_DETAILS, DATA_FLAGS, dataOptions, ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer eval MODEL --data DATA [--seq-len ${EVAL_SEQ_LEN}] [--qa QA] [--samples N] [--seed 0] [--split S] ${ENGINE_USAGE} [--json]`;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export const evalCommand: Command<EvaluateResult> = {
  name: 'eval',
  summary: 'Measure perplexity on held-out text and accuracy on multiple-choice questions.',
  usage: USAGE,
  details: [
    'Perplexity = exp(mean negative log-likelihood of every predicted token of DATA); all sequences unless --samples.',
    'QA: .jsonl lines {"question": "...", "choices": ["...", "..."], "answer": 0}. Each choice is scored by the sum of its',
    '  token log-probabilities after "Question: ...\\nAnswer:" (lm-evaluation-harness); accuracyNorm divides by the choice\'s characters.',
    ...DATA_DETAILS,
    ...ENGINE_DETAILS,
  ],
  options: { qa: { type: 'string' }, ...DATA_FLAGS, ...ENGINE_FLAGS },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    return evaluateModel(model, { ...dataOptions(values, USAGE), qa: stringFlag(values, 'qa'), ...engineSettings(values) }, ctx);
  },
  format(r) {
    const lines = [`Perplexity   ${r.perplexity.toFixed(4)} (mean NLL ${r.meanNll.toFixed(4)} over ${r.tokens.toLocaleString('en-US')} tokens)`];
    if (r.qa) lines.push(`QA accuracy  ${pct(r.qa.accuracy)} (length-normalised ${pct(r.qa.accuracyNorm)}) on ${r.qa.items} questions`);
    lines.push(`Data         ${r.samples} sequences of ${r.seqLen} tokens (seed ${r.seed}), ${r.dataHash}`);
    if (r.qaHash) lines.push(`Questions    ${r.qaHash}`);
    return lines.join('\n');
  },
};
