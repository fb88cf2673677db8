/**
 * One Llama-family decoder block as its own graph, pre-norm residual:
 *   a = h + o_proj( attention( rmsnorm(h) ) )
 *   out = a + mlp( rmsnorm(a) )
 * Weights are graph inputs named by their Hugging Face suffix (`self_attn.q_proj.weight`, ...),
 * so one session serves every block of a model (and inserted or averaged blocks) and the
 * caller decides which weights live in memory: all of them, or one block at a time.
 */
import type { ModelDescription } from '../../../shared/model.js';
import { blockTensorSpecs } from '../../model/tensors.js';
import { GraphBuilder, type BuiltModel } from '../onnx/graph-builder.js';
import { causalPaddingMask, groupedQueryAttention } from './attention.js';
import { linear } from './linear.js';
import { swiGluMlp } from './mlp.js';
import { rmsNorm } from './rms-norm.js';

/** Graph input/output names of the block (weights use their tensor suffixes). */
export const BLOCK_IO = {
  hidden: 'hidden',
  ropeCos: 'rope_cos',
  ropeSin: 'rope_sin',
  /** bool [batch, seq]: true on real tokens, false on padding. */
  keyMask: 'key_mask',
  output: 'hidden_out',
} as const;

export function decoderBlockGraph(m: ModelDescription): BuiltModel {
  const g = new GraphBuilder('decoder-block');
  const hidden = g.input(BLOCK_IO.hidden, 'float32', ['batch', 'seq', m.hiddenSize]);
  const rotary = {
    cos: g.input(BLOCK_IO.ropeCos, 'float32', ['seq', m.headDim / 2]),
    sin: g.input(BLOCK_IO.ropeSin, 'float32', ['seq', m.headDim / 2]),
  };
  const visible = causalPaddingMask(g, g.input(BLOCK_IO.keyMask, 'bool', ['batch', 'seq']));
  const w: Record<string, string> = {};
  for (const spec of blockTensorSpecs(m)) w[spec.name] = g.input(spec.name, 'float32', spec.shape);

  const attnIn = rmsNorm(g, hidden, w['input_layernorm.weight'], m.rmsNormEps);
  const context = groupedQueryAttention(
    g,
    m,
    {
      q: linear(g, attnIn, w['self_attn.q_proj.weight'], w['self_attn.q_proj.bias']),
      k: linear(g, attnIn, w['self_attn.k_proj.weight'], w['self_attn.k_proj.bias']),
      v: linear(g, attnIn, w['self_attn.v_proj.weight'], w['self_attn.v_proj.bias']),
    },
    rotary,
    visible,
  );
  const afterAttention = g.op('Add', [hidden, linear(g, context, w['self_attn.o_proj.weight'])]);

  const mlpIn = rmsNorm(g, afterAttention, w['post_attention_layernorm.weight'], m.rmsNormEps);
  const mlp = swiGluMlp(g, mlpIn, {
    gate: w['mlp.gate_proj.weight'],
    up: w['mlp.up_proj.weight'],
    down: w['mlp.down_proj.weight'],
    gateBias: w['mlp.gate_proj.bias'],
    upBias: w['mlp.up_proj.bias'],
    downBias: w['mlp.down_proj.bias'],
  });
  g.output(BLOCK_IO.output, g.op('Add', [afterAttention, mlp]), 'float32', ['batch', 'seq', m.hiddenSize]);
  return g.build();
}
