/**
 * One Llama-family decoder block as its own graph, pre-norm residual:
 *   a = h + o_proj( attention( rmsnorm(h) ) )       (o_proj with its bias when the model has one)
 *   out = a + mlp( rmsnorm(a) )
 * Weights are graph inputs named by their Hugging Face suffix (`self_attn.q_proj.weight`, ...),
 * so one session serves every block of a model (and inserted or averaged blocks) and the
 * caller decides which weights live in memory: all of them, or one block at a time.
 * The backward graph (decoder-block-backward.ts) declares the same inputs and recomputes the
 * same forward values with `decoderBlock`.
 *
 * Two variants add inputs: `segments` (examples packed into one row attend only within
 * themselves, segment-mask.ts) and `lora` (low-rank adapters on chosen projections, lora.ts).
 */
import type { ModelDescription } from '../../../shared/model.js';
import { blockTensorSpecs } from '../../model/tensors.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';
import { causalPaddingMask, groupedQueryAttention, type AttentionParts } from './attention.js';
import { linear } from './linear.js';
import { loraInputNames, projection, type LoraAdapter, type LoraGraphSpec } from './lora.js';
import type { Projection } from './projection.js';
import { swiGluParts, type MlpWeights, type SwiGluParts } from './mlp.js';
import { rmsNormParts, type RmsNormParts } from './rms-norm.js';
import { sameSegmentMask } from './segment-mask.js';

/** Graph input/output names of the block (weights use their tensor suffixes). */
export const BLOCK_IO = {
  hidden: 'hidden',
  ropeCos: 'rope_cos',
  ropeSin: 'rope_sin',
  /** bool [batch, seq]: true on real tokens, false on padding. */
  keyMask: 'key_mask',
  /** int64 [batch, seq] (the `segments` variant): the packed example each token belongs to. */
  segments: 'segment_ids',
  output: 'hidden_out',
} as const;

/** Inputs beyond the plain block's. */
export interface BlockVariant {
  segments?: boolean;
  lora?: LoraGraphSpec;
}

export interface BlockInputs {
  hidden: string;
  rotary: { cos: string; sin: string };
  /** The causal + padding mask built from the key mask. */
  visible: string;
  /** Graph value of each block tensor, by suffix. */
  weights: Record<string, string>;
  /** Adapters by the suffix of the weight they adapt (e.g. "self_attn.q_proj.weight"). */
  adapters: Record<string, LoraAdapter>;
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
export function declareBlockInputs(g: GraphBuilder, m: ModelDescription, variant: BlockVariant = {}): BlockInputs {
  const hidden = g.input(BLOCK_IO.hidden, g.float, ['batch', 'seq', m.hiddenSize]);
  const rotary = {
    cos: g.toCompute(g.input(BLOCK_IO.ropeCos, 'float32', ['seq', m.headDim / 2])),
    sin: g.toCompute(g.input(BLOCK_IO.ropeSin, 'float32', ['seq', m.headDim / 2])),
  };
  const causal = causalPaddingMask(g, g.input(BLOCK_IO.keyMask, 'bool', ['batch', 'seq']));
  const visible = variant.segments ? sameSegmentMask(g, causal, g.input(BLOCK_IO.segments, 'int64', ['batch', 'seq'])) : causal;
  const weights: Record<string, string> = {};
  const specs = blockTensorSpecs(m);
  for (const spec of specs) weights[spec.name] = g.weight(spec.name, spec.shape);
  const adapters: Record<string, LoraAdapter> = {};
  const lora = variant.lora;
  if (lora) {
    const grads = new Map<string, string>();
    for (const module of lora.modules) {
      const shape = specs.find((s) => s.name === `${module}.weight`)?.shape;
      if (!shape) throw new Error(`LoRA: the block has no projection ${module}`);
      const [out, inDim] = shape;
      const names = loraInputNames(module);
      adapters[`${module}.weight`] = {
        a: g.input(names.a, 'float32', [lora.rank, inDim]),
        b: g.input(names.b, 'float32', [out, lora.rank]),
        scale: lora.scale,
        mask: lora.dropout ? g.input(names.mask, 'float32', ['batch', 'seq', inDim]) : undefined,
        grads,
      };
    }
  }
  return { hidden, rotary, visible, weights, adapters };
}

export function mlpWeights(w: Record<string, string>, adapters: Record<string, LoraAdapter> = {}): MlpWeights {
  return {
    gate: w['mlp.gate_proj.weight'],
    up: w['mlp.up_proj.weight'],
    down: w['mlp.down_proj.weight'],
    gateBias: w['mlp.gate_proj.bias'],
    upBias: w['mlp.up_proj.bias'],
    downBias: w['mlp.down_proj.bias'],
    gateAdapter: adapters['mlp.gate_proj.weight'],
    upAdapter: adapters['mlp.up_proj.weight'],
    downAdapter: adapters['mlp.down_proj.weight'],
  };
}

/** `project` computes the q/k/v/o and MLP products: fp32 by default, int8 for quick scans (decoder-block-int8.ts). */
/** `base` is the product without adapters: fp32 (linear.ts) or int8 (decoder-block-int8.ts). */
export function decoderBlock(g: GraphBuilder, m: ModelDescription, inputs: BlockInputs, base: Projection = linear): DecoderBlockParts {
  const w = inputs.weights;
  const attentionNorm = rmsNormParts(g, inputs.hidden, w['input_layernorm.weight'], m.rmsNormEps);
  const x = attentionNorm.output;
  const project = (input: string, name: string) => projection(g, input, w[`${name}.weight`], w[`${name}.bias`], inputs.adapters[`${name}.weight`], base);
  const attention = groupedQueryAttention(
    g,
    m,
    { q: project(x, 'self_attn.q_proj'), k: project(x, 'self_attn.k_proj'), v: project(x, 'self_attn.v_proj') },
    inputs.rotary,
    inputs.visible,
  );
  const afterAttention = g.op('Add', [inputs.hidden, project(attention.context, 'self_attn.o_proj')]);
  const mlpNorm = rmsNormParts(g, afterAttention, w['post_attention_layernorm.weight'], m.rmsNormEps);
  const mlp = swiGluParts(g, mlpNorm.output, mlpWeights(w, inputs.adapters), base);
  return { attentionNorm, attention, afterAttention, mlpNorm, mlp, output: g.op('Add', [afterAttention, mlp.output]) };
}

export function decoderBlockGraph(m: ModelDescription, variant: BlockVariant = {}, precision: GraphPrecision = FP32): BuiltModel {
  const g = new GraphBuilder('decoder-block', undefined, precision);
  const block = decoderBlock(g, m, declareBlockInputs(g, m, variant));
  g.output(BLOCK_IO.output, block.output, g.float, ['batch', 'seq', m.hiddenSize]);
  return g.build();
}
