import type { GraphBuilder } from '../onnx/graph-builder.js';
import { ACTIVATION_LEVELS, ACTIVATION_ZERO_POINT } from '../quantise.js';

/** An activation quantised per row: uint8 values and the fp32 scale of each row. */
export interface QuantisedRows {
  /** uint8 [..., K]: a = round(x / r) + 128, in [1, 255]. */
  values: string;
  /** float32 [..., 1]: r = max_k |x[..., k]| / 127. */
  scales: string;
}

/** Guards an all-zero row (padding) against 0/0; it then quantises to zeros. */
const TINY_SCALE = 1e-30;

/**
 * Dynamic symmetric quantisation of x [..., K], one scale per row (per token):
 *   r = max_k |x_k| / 127,   a_k = round(x_k / r) + 128.
 * Each token gets its own scale, so one token with large activations does not coarsen the
 * others (a per-tensor scale, as DynamicQuantizeLinear computes, would).
 */
export function quantiseRows(g: GraphBuilder, x: string): QuantisedRows {
  const largest = g.op('ReduceMax', [g.op('Abs', [x]), g.int64([-1])], { keepdims: 1 });
  const scales = g.op('Div', [g.op('Max', [largest, g.constant(TINY_SCALE)]), g.constant(ACTIVATION_LEVELS)]);
  const shifted = g.op('Add', [g.op('Round', [g.op('Div', [x, scales])]), g.constant(ACTIVATION_ZERO_POINT)]);
  return { values: g.op('Cast', [shifted], { to: UINT8 }), scales };
}

/** ONNX TensorProto.DataType.UINT8. */
const UINT8 = 2;
