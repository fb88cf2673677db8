/**
 * Perplexity of held-out text: the mean negative log-likelihood of every predicted token,
 *   NLL = -(1/N) * sum over sequences s and positions t >= 1 of ln p(x_{s,t} | x_{s,<t}),
 *   perplexity = exp(NLL),
 * pooled over tokens (not averaged per sequence), so every predicted token weighs the same.
 * The first token of each sequence has no context and is not predicted.
 */
import { UserError } from '../../shared/errors.js';
import type { TaskControl } from '../../shared/progress.js';
import type { BlockSource, ForwardEngine } from '../engine/forward-engine.js';
import { runInChunks } from './chunked-run.js';
import type { Perplexity } from '../../shared/evaluation.js';

export type { Perplexity } from '../../shared/evaluation.js';

export function perplexityOf(tokenLogProbs: readonly ArrayLike<number>[]): Perplexity {
  let nll = 0;
  let tokens = 0;
  for (const seq of tokenLogProbs) {
    for (let t = 0; t < seq.length; t++) nll -= seq[t];
    tokens += seq.length;
  }
  if (tokens === 0)
    throw new UserError('Every sequence has a single token, so there is nothing to predict. Use longer texts or a longer sequence length (--seq-len).');
  const meanNll = nll / tokens;
  return { meanNll, perplexity: Math.exp(meanNll), tokens };
}

export async function measurePerplexity(
  engine: ForwardEngine,
  sequences: readonly ArrayLike<number>[],
  blockSequence: readonly BlockSource[] | undefined,
  control: TaskControl,
): Promise<Perplexity> {
  const { tokenLogProbs } = await runInChunks(engine, sequences, { blockSequence }, control, 'Perplexity');
  return perplexityOf(tokenLogProbs);
}
