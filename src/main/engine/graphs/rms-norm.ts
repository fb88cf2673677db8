import type { GraphBuilder } from '../onnx/graph-builder.js';

/** The values of an RMSNorm that its backward pass reuses. */
export interface RmsNormParts {
  /** 1 / sqrt(mean(x^2) + eps), [..., 1]. */
  invRms: string;
  /** x / sqrt(mean(x^2) + eps), before the gain. */
  normalized: string;
  output: string;
}

/**
 * RMSNorm over the last axis, as Llama computes it in float32:
 *   y = x / sqrt(mean(x^2) + eps) * w
 * In an fp16 graph x is widened first (x^2 overflows fp16 beyond |x| = 256) and the normalised
 * value is narrowed before the gain, as Hugging Face does: w * n.to(dtype). invRms and
 * normalized are always float32.
 */
export function rmsNormParts(g: GraphBuilder, x: string, weight: string, eps: number): RmsNormParts {
  const wide = g.toFloat32(x);
  const meanSquare = g.op('ReduceMean', [g.op('Mul', [wide, wide]), g.int64([-1])], { keepdims: 1 });
  const invRms = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.constantF32(eps)])])]);
  const normalized = g.op('Mul', [wide, invRms]);
  return { invRms, normalized, output: g.op('Mul', [g.toCompute(normalized), weight]) };
}

export function rmsNorm(g: GraphBuilder, x: string, weight: string, eps: number): string {
  return rmsNormParts(g, x, weight, eps).output;
}
