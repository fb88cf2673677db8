/**
 * Training mixtures: several domain sources with sampling weights (code 0.6, math 0.4), and
 * an optional share of general text replayed in every batch to limit forgetting. This module
 * reads and checks what people write; the trainer's mixed order (src/main/train/mixed-order.ts)
 * honours the shares step by step.
 *
 *   DIR          a source named after its folder, weight 1
 *   DIR:0.6      with weight 0.6
 *   code=DIR:0.6 named "code"
 * Weights are relative (they need not add up to 1): source k gets (1 - replay) w_k / sum w of
 * every step's tokens, the replay the rest.
 */
import { basename, extname, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';

export interface DataSource {
  name: string;
  data: string;
  weight: number;
}

/** "[NAME=]PATH[:WEIGHT]": read where the option is declared (src/shared/commands/train.ts). */
export { parseSourceSpec } from '../../shared/commands/train.js';

/** Names, weights and paths checked: every weight a positive number, names unique. */
export function resolveSources(specs: readonly { name?: string; data: string; weight?: number }[]): DataSource[] {
  if (specs.length === 0) throw new UserError('No training data given. Give --data DIR (repeat it to mix several sources).');
  const sources = specs.map((s) => ({
    name: s.name ?? (basename(s.data, extname(s.data)) || s.data),
    data: resolve(s.data),
    weight: s.weight ?? 1,
  }));
  for (const s of sources) {
    if (!Number.isFinite(s.weight) || s.weight <= 0) {
      throw new UserError(
        `The weight of source "${s.name}" (${s.data}) is ${s.weight}; every source needs a positive weight, e.g. ${s.name}=DIR:0.4. Nothing was trained.`,
      );
    }
  }
  const total = sources.reduce((n, s) => n + s.weight, 0);
  if (!(total > 0) || !Number.isFinite(total)) {
    throw new UserError(`The mixture weights add up to ${total}, not a positive number. Give each source a positive weight. Nothing was trained.`);
  }
  const seen = new Set<string>();
  for (const s of sources) {
    if (seen.has(s.name)) throw new UserError(`Two sources are named "${s.name}". Name them apart with NAME=DIR (e.g. code=${s.data}).`);
    seen.add(s.name);
  }
  return sources;
}

/** The replay share: from 0 (none) to below 1. */
export function checkReplayShare(share: number): number {
  if (!Number.isFinite(share) || share < 0 || share >= 1) {
    throw new UserError(`The replay share must be from 0 to below 1 (e.g. 0.05 for 5% general text), got ${share}. Nothing was trained.`);
  }
  return share;
}

/** Each source's share of a step's tokens, and the replay's (last). */
export function mixtureShares(weights: readonly number[], replay: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return [...weights.map((w) => ((1 - replay) * w) / total), ...(replay > 0 ? [replay] : [])];
}
