/**
 * Backward of the SwiGLU MLP (mlp.ts): out = down(z), z = silu(gate) * up, silu(a) = a s(a),
 * s = sigmoid:
 *   dz = dout Wd
 *   dgate = dz up silu'(gate),  silu'(a) = s(a) (1 + a (1 - s(a)))
 *   dup = dz silu(gate)
 *   dx = dgate Wg + dup Wu
 * (plus each adapter's low-rank terms where a projection has one, lora-backward.ts).
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import type { WeightGrads } from './linear-backward.js';
import { projectionBackward } from './lora-backward.js';
import type { MlpWeights, SwiGluParts } from './mlp.js';

/** Returns dx for the MLP input x; records the weight (and bias) gradients in `grads`. */
export function swiGluBackward(g: GraphBuilder, x: string, parts: SwiGluParts, w: MlpWeights, dOut: string, grads: WeightGrads): string {
  const dProduct = projectionBackward(g, parts.product, dOut, w.down, w.downBias, grads, w.downAdapter);
  const one = g.constant(1);
  const siluSlope = g.op('Mul', [parts.sigmoid, g.op('Add', [one, g.op('Mul', [parts.gate, g.op('Sub', [one, parts.sigmoid])])])]);
  const dGate = g.op('Mul', [g.op('Mul', [dProduct, parts.up]), siluSlope]);
  const dUp = g.op('Mul', [dProduct, parts.silu]);
  return g.op('Add', [
    projectionBackward(g, x, dGate, w.gate, w.gateBias, grads, w.gateAdapter),
    projectionBackward(g, x, dUp, w.up, w.upBias, grads, w.upAdapter),
  ]);
}
