/**
 * Backward of RMSNorm (rms-norm.ts): y = n w, n = x r, r = (mean(x^2) + eps)^(-1/2), over the
 * last axis of size H. With dn = dy w, and dr/dx_j = -r^3 x_j / H:
 *   dw = sum over tokens of dy n
 *   dx = r (dn - n mean(dn n))
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { sumOverTokens, type WeightGrads } from './linear-backward.js';
import type { RmsNormParts } from './rms-norm.js';

/** Returns dx; records dw in `grads`. */
export function rmsNormBackward(g: GraphBuilder, parts: RmsNormParts, weight: string, dy: string, grads: WeightGrads): string {
  if (grads) grads.set(weight, sumOverTokens(g, g.op('Mul', [dy, parts.normalized])));
  const dn = g.op('Mul', [dy, weight]);
  const projection = g.op('ReduceMean', [g.op('Mul', [dn, parts.normalized]), g.int64([-1])], { keepdims: 1 });
  return g.op('Mul', [parts.invRms, g.op('Sub', [dn, g.op('Mul', [parts.normalized, projection])])]);
}
