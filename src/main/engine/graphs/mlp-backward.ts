/**
 * Backward of the SwiGLU MLP (mlp.ts): out = down(z), z = silu(gate) * up, silu(a) = a s(a),
 * s = sigmoid:
 *   dz = dout Wd
 *   dgate = dz up silu'(gate),  silu'(a) = s(a) (1 + a (1 - s(a)))
 *   dup = dz silu(gate)
 *   dx = dgate Wg + dup Wu
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { linearBackward, type WeightGrads } from './linear-backward.js';
import type { MlpWeights, SwiGluParts } from './mlp.js';

/** Returns dx for the MLP input x; records the weight (and bias) gradients in `grads`. */
export function swiGluBackward(g: GraphBuilder, x: string, parts: SwiGluParts, w: MlpWeights, dOut: string, grads: WeightGrads): string {
  const dProduct = linearBackward(g, parts.product, dOut, w.down, w.downBias, grads);
  const one = g.constant(1);
  const siluSlope = g.op('Mul', [parts.sigmoid, g.op('Add', [one, g.op('Mul', [parts.gate, g.op('Sub', [one, parts.sigmoid])])])]);
  const dGate = g.op('Mul', [g.op('Mul', [dProduct, parts.up]), siluSlope]);
  const dUp = g.op('Mul', [dProduct, parts.silu]);
  return g.op('Add', [linearBackward(g, x, dGate, w.gate, w.gateBias, grads), linearBackward(g, x, dUp, w.up, w.upBias, grads)]);
}
