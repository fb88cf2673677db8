/**
 * The next token from the logits z of the last position.
 *   temperature T = 0: greedy, argmax_i z_i (the lowest id on ties).
 *   T > 0: p_i = exp(z_i / T) / sum_j exp(z_j / T) over the candidates, where the candidates are
 *   the top-k tokens by logit (all when k = 0), then cut to the smallest most-likely set whose
 *   probability reaches top-p (nucleus sampling; p = 1 keeps all), then renormalised. One
 *   uniform number u in [0, 1) picks the first candidate, most likely first, whose cumulative
 *   probability exceeds u; the caller supplies u, so a seed fixes the whole generation.
 */
export type { SamplingOptions } from '../../shared/evaluation.js';
import type { SamplingOptions } from '../../shared/evaluation.js';

export function chooseToken(logits: ArrayLike<number>, options: SamplingOptions, uniform: number): number {
  if (options.temperature === 0) return argmax(logits);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const candidates = options.topK > 0 ? order.slice(0, options.topK) : order;
  const top = logits[candidates[0]];
  const weights = candidates.map((i) => Math.exp((logits[i] - top) / options.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let kept = 0;
  for (let mass = 0; kept < candidates.length && (kept === 0 || mass < options.topP); kept++) mass += weights[kept] / total;
  const keptTotal = weights.slice(0, kept).reduce((a, b) => a + b, 0);
  let cumulative = 0;
  for (let k = 0; k < kept; k++) {
    cumulative += weights[k] / keptTotal;
    if (uniform < cumulative) return candidates[k];
  }
  // Rounding can leave the cumulative sum a hair below 1.
  return candidates[kept - 1];
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
