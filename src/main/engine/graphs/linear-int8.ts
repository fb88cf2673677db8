import type { GraphBuilder } from '../onnx/graph-builder.js';
import { ACTIVATION_ZERO_POINT } from '../quantise.js';
import type { QuantisedRows } from './quantise-rows.js';

/** ONNX TensorProto.DataType.FLOAT. */
const FLOAT = 1;

/**
 * y = x W^T + b with x quantised per row (quantise-rows.ts) and W per output channel
 * (../quantise.ts), the products summed exactly in int32 by MatMulInteger (uint8 x int8, which
 * onnxruntime runs on VNNI/AMX where the CPU has them), everything else in fp32:
 *   y[m,n] = r_m * s_n * sum_k (a[m,k] - 128) q[k,n]  (+ b_n)
 * weight: int8 [K, N] (already transposed); scales: float32 [N].
 */
export function linearInt8(g: GraphBuilder, x: QuantisedRows, weight: string, scales: string, bias?: string): string {
  const sums = g.op('MatMulInteger', [x.values, weight, g.uint8(ACTIVATION_ZERO_POINT)]);
  const y = g.op('Mul', [g.op('Mul', [g.op('Cast', [sums], { to: FLOAT }), x.scales]), scales]);
  return bias === undefined ? y : g.op('Add', [y, bias]);
}
