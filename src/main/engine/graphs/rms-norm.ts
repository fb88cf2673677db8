import type { GraphBuilder } from '../onnx/graph-builder.js';

/**
 * RMSNorm over the last axis, as Llama computes it in float32:
 *   y = x / sqrt(mean(x^2) + eps) * w
 */
export function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
  const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x]), g.int64([-1])], { keepdims: 1 });
  const invRms = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.constant(eps)])])]);
  return g.op('Mul', [g.op('Mul', [x, invRms]), weight]);
}
