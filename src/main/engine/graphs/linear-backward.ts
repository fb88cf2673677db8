/**
 * Backward of y = x W^T + b (linear.ts), W in Hugging Face's [out, in] layout, x and y
 * [batch, seq, features]:
 *   dx = dy W
 *   dW = sum over tokens of dy^T x      (both flattened to [tokens, features]: one MatMul)
 *   db = sum over tokens of dy
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';

/** Gradient value of each weight input (by graph value name); null when no weight gradients are wanted. */
export type WeightGrads = Map<string, string> | null;

/** Returns dx; records dW (and db) in `grads`. */
export function linearBackward(g: GraphBuilder, x: string, dy: string, weight: string, bias: string | undefined, grads: WeightGrads): string {
  if (grads) {
    const tokens = (v: string): string => g.op('Flatten', [v], { axis: 2 });
    grads.set(weight, g.op('MatMul', [g.op('Transpose', [tokens(dy)], { perm: [1, 0] }), tokens(x)]));
    if (bias !== undefined) grads.set(bias, sumOverTokens(g, dy));
  }
  return g.op('MatMul', [dy, weight]);
}

/** [batch, seq, n] -> [n]: how a per-feature parameter (bias, norm gain) collects its gradient. */
export function sumOverTokens(g: GraphBuilder, x: string): string {
  return g.op('ReduceSum', [x, g.int64([0, 1])], { keepdims: 0 });
}
