/**
 * Backward of grouped-query causal attention (attention.ts). Per head, with the scaled scores
 * S = c q k^T (c = 1/sqrt(D)), P = softmax(masked S), C = P v:
 *   dP = dC v^T,   dv = P^T dC
 *   dS = P (dP - rowsum(dP P))        (softmax backward; zero where P is, so masked keys get none)
 *   dq = c dS k,   dk = c dS^T q
 * Keys and values are shared by the `group` query heads of their key/value head (broadcast
 * over the group axis in the forward pass), so their gradients are summed over that axis.
 * Rotary positions turn each (j, j + D/2) pair by an angle; the transpose of a rotation is the
 * rotation by minus that angle, so the gradient is turned back with sin negated.
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { attentionScale, mergeHeads, splitHeads, type AttentionParts, type AttentionShape } from './attention.js';
import { applyRotary } from './rotary.js';

/** Gradients of the q, k, v projections ([batch, seq, heads*D] and [batch, seq, kvHeads*D]) from that of the context. */
export function attentionBackward(
  g: GraphBuilder,
  shape: AttentionShape,
  parts: AttentionParts,
  dContext: string,
  rotary: { cos: string; sin: string },
): { q: string; k: string; v: string } {
  const group = shape.heads / shape.kvHeads;
  const swapLast = (x: string): string => g.op('Transpose', [x], { perm: [0, 1, 2, 4, 3] });
  const sumOverGroup = (x: string): string => g.op('ReduceSum', [x, g.int64([2])], { keepdims: 1 });

  const dC = splitHeads(g, shape, dContext, group);
  const dProbs = g.op('MatMul', [dC, swapLast(parts.v)]);
  const dV = sumOverGroup(g.op('MatMul', [swapLast(parts.probs), dC]));
  const rowDot = g.op('ReduceSum', [g.op('Mul', [dProbs, parts.probs]), g.int64([-1])], { keepdims: 1 });
  const dScores = g.op('Mul', [g.op('Mul', [parts.probs, g.op('Sub', [dProbs, rowDot])]), g.constant(attentionScale(shape))]);
  const dQ = g.op('MatMul', [dScores, parts.k]);
  const dK = sumOverGroup(g.op('MatMul', [swapLast(dScores), parts.q]));

  const minusSin = g.op('Neg', [rotary.sin]);
  const unrotate = (x: string): string => applyRotary(g, x, rotary.cos, minusSin);
  const kvWidth = shape.kvHeads * shape.headDim;
  return {
    q: mergeHeads(g, unrotate(dQ), shape.heads * shape.headDim),
    k: mergeHeads(g, unrotate(dK), kvWidth),
    v: mergeHeads(g, dV, kvWidth),
  };
}
