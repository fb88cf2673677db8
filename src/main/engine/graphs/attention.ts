import type { GraphBuilder } from '../onnx/graph-builder.js';
import { applyRotary } from './rotary.js';

export interface AttentionShape {
  heads: number;
  kvHeads: number;
  headDim: number;
}

/** float32's lowest value: masked scores vanish in the softmax, as in Hugging Face. */
const MASKED_SCORE = -3.4028234663852886e38;

/**
 * Which keys each query may see: key s is visible to query t when s <= t (causal) and s is a
 * real token of its sequence (keyMask, false on padding). Returns bool [batch, 1, 1, seq, seq],
 * shaped to broadcast over the grouped heads of `groupedQueryAttention`. Positions are float32
 * (exact up to 2^24) so that the comparison runs on a GPU too: onnxruntime's WebGPU kernels do
 * not compare int64, and the [seq, seq] mask would otherwise be made on the host every call.
 */
export function causalPaddingMask(g: GraphBuilder, keyMask: string): string {
  const seqLen = g.cast(g.op('Squeeze', [g.op('Shape', [keyMask], { start: 1, end: 2 }), g.int64([0])]), 'float32');
  const positions = g.op('Range', [g.constantF32(0), seqLen, g.constantF32(1)]);
  const causal = g.op('LessOrEqual', [g.op('Unsqueeze', [positions, g.int64([0])]), g.op('Unsqueeze', [positions, g.int64([1])])]);
  return g.op('And', [causal, g.op('Unsqueeze', [keyMask, g.int64([1, 2, 3])])]);
}

/** The values of the attention that its backward pass reuses. */
export interface AttentionParts {
  /** Rotated queries, [batch, kvHeads, group, seq, D]. */
  q: string;
  /** Rotated keys, [batch, kvHeads, 1, seq, D]. */
  k: string;
  /** Values, [batch, kvHeads, 1, seq, D]. */
  v: string;
  /** Softmax weights, [batch, kvHeads, group, seq, seq], always float32. */
  probs: string;
  /** The heads' outputs side by side, [batch, seq, heads*D]: the input of o_proj. */
  context: string;
}

/** The scores are q.k / sqrt(D). */
export function attentionScale(shape: AttentionShape): number {
  return 1 / Math.sqrt(shape.headDim);
}

/** [batch, seq, kvHeads*perKv*D] -> [batch, kvHeads, perKv, seq, D]. */
export function splitHeads(g: GraphBuilder, shape: AttentionShape, x: string, perKv: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.int64([0, 0, shape.kvHeads, perKv, shape.headDim])])], { perm: [0, 2, 3, 1, 4] });
}

/** The inverse of splitHeads: [batch, kvHeads, perKv, seq, D] -> [batch, seq, width]. */
export function mergeHeads(g: GraphBuilder, x: string, width: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 3, 1, 2, 4] }), g.int64([0, 0, width])]);
}

/**
 * Causal self-attention with grouped key/value heads (GQA) and rotary positions:
 *   softmax(q k^T / sqrt(D) masked) v, per head,
 * the softmax in float32 whatever the graph computes in (Hugging Face upcasts it too).
 * Query head j reads key/value head floor(j / group), as Hugging Face's repeat_kv does. Instead
 * of copying each key/value head `group` times, queries are viewed as
 * [batch, kvHeads, group, seq, D] and keys/values as [batch, kvHeads, 1, seq, D]; MatMul
 * broadcasts over the group axis.
 * q: [batch, seq, heads*D]; k, v: [batch, seq, kvHeads*D]; context: [batch, seq, heads*D].
 */
export function groupedQueryAttention(
  g: GraphBuilder,
  shape: AttentionShape,
  projections: { q: string; k: string; v: string },
  rotary: { cos: string; sin: string },
  visible: string,
): AttentionParts {
  const group = shape.heads / shape.kvHeads;
  const q = applyRotary(g, splitHeads(g, shape, projections.q, group), rotary.cos, rotary.sin);
  const k = applyRotary(g, splitHeads(g, shape, projections.k, 1), rotary.cos, rotary.sin);
  const v = splitHeads(g, shape, projections.v, 1);

  const scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 1, 2, 4, 3] })]), g.constant(attentionScale(shape))]);
  const probs = g.op('Softmax', [g.op('Where', [visible, g.toFloat32(scores), g.constantF32(MASKED_SCORE)])], { axis: -1 });
  const context = mergeHeads(g, g.op('MatMul', [g.toCompute(probs), v]), shape.heads * shape.headDim);
  return { q, k, v, probs, context };
}
