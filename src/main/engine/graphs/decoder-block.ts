/**
 * One Llama-family decoder block as its own graph, pre-norm residual:
 *   a = h + o_proj( attention( rmsnorm(h) ) )       (o_proj with its bias when the model has one)
 *   out = a + mlp( rmsnorm(a) )
 * Weights are graph inputs named by their Hugging Face suffix (`self_attn.q_proj.weight`, ...),
 * so one session serves every block of a model (and inserted or averaged blocks) and the
 * caller decides which weights live in memory: all of them, or one block at a time.
 * The backward graph (decoder-block-backward.ts) declares the same inputs and recomputes the
 * same forward values with `decoderBlock`.
 */
import type { ModelDescription } from '../../../shared/model.js';
import { blockTensorSpecs } from '../../model/tensors.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';
import { causalPaddingMask, groupedQueryAttention, type AttentionParts } from './attention.js';
import { linear } from './linear.js';
import { swiGluParts, type MlpWeights, type SwiGluParts } from './mlp.js';
import { rmsNormParts, type RmsNormParts } from './rms-norm.js';

/** Graph input/output names of the block (weights use their tensor suffixes). */
export const BLOCK_IO = {
  hidden: 'hidden',
  ropeCos: 'rope_cos',
  ropeSin: 'rope_sin',
  /** bool [batch, seq]: true on real tokens, false on padding. */
  keyMask: 'key_mask',
  output: 'hidden_out',
} as const;

export interface BlockInputs {
  hidden: string;
  rotary: { cos: string; sin: string };
  /** The causal + padding mask built from the key mask. */
  visible: string;
  /** Graph value of each block tensor, by suffix. */
  weights: Record<string, string>;
}

/** Every value of the block's forward pass that the backward pass reuses. */
export interface DecoderBlockParts {
  attentionNorm: RmsNormParts;
  attention: AttentionParts;
  afterAttention: string;
  mlpNorm: RmsNormParts;
  mlp: SwiGluParts;
  output: string;
}

/** The hidden state comes in the compute type, the rotary tables always as float32 (narrowed here). */
export function declareBlockInputs(g: GraphBuilder, m: ModelDescription): BlockInputs {
  const hidden = g.input(BLOCK_IO.hidden, g.float, ['batch', 'seq', m.hiddenSize]);
  const rotary = {
    cos: g.toCompute(g.input(BLOCK_IO.ropeCos, 'float32', ['seq', m.headDim / 2])),
    sin: g.toCompute(g.input(BLOCK_IO.ropeSin, 'float32', ['seq', m.headDim / 2])),
  };
  const visible = causalPaddingMask(g, g.input(BLOCK_IO.keyMask, 'bool', ['batch', 'seq']));
  const weights: Record<string, string> = {};
  for (const spec of blockTensorSpecs(m)) weights[spec.name] = g.weight(spec.name, spec.shape);
  return { hidden, rotary, visible, weights };
}

export function mlpWeights(w: Record<string, string>): MlpWeights {
  return {
    gate: w['mlp.gate_proj.weight'],
    up: w['mlp.up_proj.weight'],
    down: w['mlp.down_proj.weight'],
    gateBias: w['mlp.gate_proj.bias'],
    upBias: w['mlp.up_proj.bias'],
    downBias: w['mlp.down_proj.bias'],
  };
}

export function decoderBlock(g: GraphBuilder, m: ModelDescription, inputs: BlockInputs): DecoderBlockParts {
  const w = inputs.weights;
  const attentionNorm = rmsNormParts(g, inputs.hidden, w['input_layernorm.weight'], m.rmsNormEps);
  const x = attentionNorm.output;
  const attention = groupedQueryAttention(
    g,
    m,
    {
      q: linear(g, x, w['self_attn.q_proj.weight'], w['self_attn.q_proj.bias']),
      k: linear(g, x, w['self_attn.k_proj.weight'], w['self_attn.k_proj.bias']),
      v: linear(g, x, w['self_attn.v_proj.weight'], w['self_attn.v_proj.bias']),
    },
    inputs.rotary,
    inputs.visible,
  );
  const afterAttention = g.op('Add', [inputs.hidden, linear(g, attention.context, w['self_attn.o_proj.weight'], w['self_attn.o_proj.bias'])]);
  const mlpNorm = rmsNormParts(g, afterAttention, w['post_attention_layernorm.weight'], m.rmsNormEps);
  const mlp = swiGluParts(g, mlpNorm.output, mlpWeights(w));
  return { attentionNorm, attention, afterAttention, mlpNorm, mlp, output: g.op('Add', [afterAttention, mlp.output]) };
}

export function decoderBlockGraph(m: ModelDescription, precision: GraphPrecision = FP32): BuiltModel {
  const g = new GraphBuilder('decoder-block', undefined, precision);
  const block = decoderBlock(g, m, declareBlockInputs(g, m));
  g.output(BLOCK_IO.output, block.output, g.float, ['batch', 'seq', m.hiddenSize]);
  return g.build();
}
