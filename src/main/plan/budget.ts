/**
 * Budget mode: how many blocks to add (N) and delete (K) so the planned model stays within a
 * parameter target. Every block has the same size B, so with G parameters outside the blocks
 *
 *   total(N, K) = G + (L + N - K) * B <= target   <=>   N - K <= floor((target - G) / B) - L = D
 *
 * Expansion is what injects knowledge, so N is maximised: N = min(maxExpand, D + K) with the
 * planned K. When even N = 0 does not fit (D + K < 0), K grows to -D, as long as the deep half
 * can give that many layers.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import { blockParameters, globalParameters, modelParameters } from '../model/tensors.js';

export interface BudgetChoice {
  expand: number;
  prune: number;
}

export function chooseWithinBudget(m: ModelDescription, target: number, limits: { maxExpand: number; prune: number; maxPrune: number }): BudgetChoice {
  if (!Number.isFinite(target) || target <= 0) throw new UserError(`The parameter budget must be a positive number, got ${target}.`);
  const headroom = Math.floor((target - globalParameters(m)) / blockParameters(m)) - m.layers;
  const expand = Math.min(limits.maxExpand, headroom + limits.prune);
  if (expand >= 0) return { expand, prune: limits.prune };
  const prune = -headroom;
  if (prune > limits.maxPrune) {
    const smallest = modelParameters(m, m.layers - limits.maxPrune);
    throw new UserError(
      `A budget of ${target.toLocaleString('en-US')} parameters is too small: even deleting all ${limits.maxPrune} deep layers leaves ${smallest.toLocaleString('en-US')}. Raise --budget-params.`,
    );
  }
  return { expand: 0, prune };
}
