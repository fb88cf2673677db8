/**
 * Layer-importance statistics of one block from its raw input h_i and raw output h_{i+1}
 * (no final norm), summed over the real tokens of a batch so that batches can be added up:
 *   angle = arccos(cos(h_i, h_{i+1})) / pi  (Gromov et al.), cos for Block Influence (ShortGPT).
 * The angle is computed as 2 atan(|u - v| / |u + v|) with u, v the unit vectors: arccos of a
 * float32 cosine near 1 loses half its digits (an exact identity block would score ~1e-4
 * instead of 0), while this form is exact at 0 and at pi (|u + v| = 0 gives atan(inf) = pi/2).
 */
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';

export const STATS_IO = {
  blockIn: 'block_in',
  blockOut: 'block_out',
  /** bool [batch, seq]: real tokens. */
  tokenMask: 'token_mask',
  /** bool [batch, seq]: the last real token of each sequence. */
  lastMask: 'last_mask',
  /** Sum over real tokens of the angular distance. */
  angleSum: 'angle_sum',
  /** Sum over real tokens of the cosine similarity. */
  cosineSum: 'cosine_sum',
  /** Sum over sequences of the angular distance at the last real token. */
  lastAngleSum: 'last_angle_sum',
} as const;

/** Guards the unit vectors of an all-zero state against 0/0; real hidden states are far larger. */
const TINY_NORM = 1e-30;

/** States come in the graph's compute type; everything after them is float32. */
export function blockStatsGraph(hiddenSize: number, precision: GraphPrecision = FP32): BuiltModel {
  const g = new GraphBuilder('block-stats', undefined, precision);
  const dims = ['batch', 'seq', hiddenSize];
  const unit = (x: string): string => g.op('Div', [x, g.op('Max', [g.op('ReduceL2', [x, g.int64([-1])], { keepdims: 1 }), g.constantF32(TINY_NORM)])]);
  const u = unit(g.toFloat32(g.input(STATS_IO.blockIn, g.float, dims)));
  const v = unit(g.toFloat32(g.input(STATS_IO.blockOut, g.float, dims)));
  const tokenMask = g.input(STATS_IO.tokenMask, 'bool', ['batch', 'seq']);
  const lastMask = g.input(STATS_IO.lastMask, 'bool', ['batch', 'seq']);

  const norm = (x: string): string => g.op('ReduceL2', [x, g.int64([-1])], { keepdims: 0 });
  const halfAngle = g.op('Atan', [g.op('Div', [norm(g.op('Sub', [u, v])), norm(g.op('Add', [u, v]))])]);
  const angle = g.op('Mul', [halfAngle, g.constantF32(2 / Math.PI)]);
  const cosine = g.op('ReduceSum', [g.op('Mul', [u, v]), g.int64([-1])], { keepdims: 0 });

  // Where, not multiplication by the mask: a NaN on a padding position must not leak into sums.
  const maskedSum = (x: string, mask: string): string => g.op('ReduceSum', [g.op('Where', [mask, x, g.constantF32(0)])], { keepdims: 0 });
  g.output(STATS_IO.angleSum, maskedSum(angle, tokenMask), 'float32', []);
  g.output(STATS_IO.cosineSum, maskedSum(cosine, tokenMask), 'float32', []);
  g.output(STATS_IO.lastAngleSum, maskedSum(angle, lastMask), 'float32', []);
  return g.build();
}
