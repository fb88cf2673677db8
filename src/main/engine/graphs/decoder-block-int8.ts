/**
 * The decoder block of quick scans (`--precision int8`): the block of decoder-block.ts with every
 * projection (q, k, v, o, gate, up, down) computed by linear-int8.ts, everything else (norms,
 * RoPE, attention, SiLU, residual sums) in fp32 as before:
 *   a = h + o_proj( attention( rmsnorm(h) ) ),   out = a + mlp( rmsnorm(a) ),
 * with x W^T replaced by r_m s_n sum_k (a_mk - 128) q_kn.
 * Inputs: each weight matrix as int8 [K, N] under its tensor suffix, its per-channel scales
 * float32 [N] under `suffix + SCALE_SUFFIX`; norms and biases float32 under their suffixes.
 * An activation that feeds several projections (the normed state feeds q, k and v; the MLP's
 * input feeds gate and up) is quantised once.
 */
import type { ModelDescription } from '../../../shared/model.js';
import { blockTensorSpecs, type TensorSpec } from '../../model/tensors.js';
import { GraphBuilder, type BuiltModel } from '../onnx/graph-builder.js';
import { causalPaddingMask } from './attention.js';
import { BLOCK_IO, decoderBlock, type BlockInputs } from './decoder-block.js';
import { linearInt8 } from './linear-int8.js';
import type { Projection } from './projection.js';
import { quantiseRows, type QuantisedRows } from './quantise-rows.js';

/** The scales of matrix `suffix` are the graph input `suffix + SCALE_SUFFIX`. */
export const SCALE_SUFFIX = '.scale';

/** The block tensors that are products' weights (2-D, [out, in]): these are quantised. */
export function isQuantisedSpec(spec: TensorSpec): boolean {
  return spec.shape.length === 2;
}

/**
 * An int8 Projection for one graph: quantises each activation once, and finds the scales of a
 * weight input by its name.
 */
export function int8Projection(): Projection {
  const quantised = new Map<string, QuantisedRows>();
  return (g, x, weight, bias) => {
    let rows = quantised.get(x);
    if (!rows) {
      rows = quantiseRows(g, x);
      quantised.set(x, rows);
    }
    return linearInt8(g, rows, weight, weight + SCALE_SUFFIX, bias);
  };
}

export function declareQuantisedBlockInputs(g: GraphBuilder, m: ModelDescription): BlockInputs {
  const hidden = g.input(BLOCK_IO.hidden, 'float32', ['batch', 'seq', m.hiddenSize]);
  const rotary = {
    cos: g.input(BLOCK_IO.ropeCos, 'float32', ['seq', m.headDim / 2]),
    sin: g.input(BLOCK_IO.ropeSin, 'float32', ['seq', m.headDim / 2]),
  };
  const visible = causalPaddingMask(g, g.input(BLOCK_IO.keyMask, 'bool', ['batch', 'seq']));
  const weights: Record<string, string> = {};
  for (const spec of blockTensorSpecs(m)) {
    if (!isQuantisedSpec(spec)) {
      weights[spec.name] = g.input(spec.name, 'float32', spec.shape);
      continue;
    }
    const [outChannels, inFeatures] = spec.shape;
    weights[spec.name] = g.input(spec.name, 'int8', [inFeatures, outChannels]);
    g.input(spec.name + SCALE_SUFFIX, 'float32', [outChannels]);
  }
  return { hidden, rotary, visible, weights, adapters: {} };
}

export function decoderBlockInt8Graph(m: ModelDescription): BuiltModel {
  const g = new GraphBuilder('decoder-block-int8');
  const block = decoderBlock(g, m, declareQuantisedBlockInputs(g, m), int8Projection());
  g.output(BLOCK_IO.output, block.output, 'float32', ['batch', 'seq', m.hiddenSize]);
  return g.build();
}
