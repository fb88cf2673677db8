/**
 * Attention that never crosses the examples packed into one row (instruction tuning):
 *
 *   visible[b, t, s] = causal(s <= t)  AND  real(b, s)  AND  segment[b, t] == segment[b, s]
 *
 * a block-diagonal causal mask, one block per example. Rotary positions need no reset per
 * example: a score depends on the positions of q_t and k_s only through the angle (t - s) times
 * each frequency, which is the same whether the example starts at position 0 or further along
 * the row, so every example attends exactly as it would alone (up to float rounding of the
 * larger angles). The price of packing is compute, not correctness: the scores of a row are
 * still [seq, seq], most of them masked.
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';

/**
 * `visible`: the causal + padding mask, bool [batch, 1, 1, seq, seq] (attention.ts);
 * `segments`: int64 [batch, seq], the example each token belongs to. Returns the same shape as `visible`.
 */
export function sameSegmentMask(g: GraphBuilder, visible: string, segments: string): string {
  const queries = g.op('Unsqueeze', [segments, g.int64([1, 2, 4])]);
  const keys = g.op('Unsqueeze', [segments, g.int64([1, 2, 3])]);
  return g.op('And', [visible, g.op('Equal', [queries, keys])]);
}
