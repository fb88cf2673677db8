/**
 * Backward of a LoRA projection (lora.ts), y = x W^T + b + s (xd A^T) B^T with xd = x * M:
 *
 *   u  = xd A^T                         [batch, seq, r]
 *   dB = s dy^T u                       [out, r]   (tokens flattened: one MatMul)
 *   du = s dy B                         [batch, seq, r]
 *   dA = du^T xd                        [r, in]
 *   dx = dy W + (du A) * M
 *
 * W and b are frozen: their gradients are recorded only when `grads` asks for them (a block
 * that trains both is refused before any graph is built). The low-rank terms cost
 * O(tokens * r * (in + out)), against O(tokens * in * out) for a full weight gradient.
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { droppedInput, type LoraAdapter } from './lora.js';
import { linearBackward, type WeightGrads } from './linear-backward.js';
import { linear } from './linear.js';

/** Returns dx of a projection with or without an adapter; records the adapter's dA and dB in adapter.grads. */
export function projectionBackward(
  g: GraphBuilder,
  x: string,
  dy: string,
  weight: string,
  bias: string | undefined,
  grads: WeightGrads,
  adapter: LoraAdapter | undefined,
): string {
  const dx = linearBackward(g, x, dy, weight, bias, grads);
  if (!adapter) return dx;
  const tokens = (v: string): string => g.op('Flatten', [v], { axis: 2 });
  const transposed = (v: string): string => g.op('Transpose', [v], { perm: [1, 0] });
  const scale = g.constant(adapter.scale);
  const xd = droppedInput(g, x, adapter);
  const u = linear(g, xd, adapter.a);
  adapter.grads.set(adapter.b, g.op('Mul', [g.op('MatMul', [transposed(tokens(dy)), tokens(u)]), scale]));
  const du = g.op('Mul', [g.op('MatMul', [dy, adapter.b]), scale]);
  adapter.grads.set(adapter.a, g.op('MatMul', [transposed(tokens(du)), tokens(xd)]));
  const dxd = g.op('MatMul', [du, adapter.a]);
  return g.op('Add', [dx, adapter.mask === undefined ? dxd : g.op('Mul', [dxd, adapter.mask])]);
}
