/**
 * Backward pass of one decoder block, with block-level recomputation: the graph takes the
 * block's input h (kept from the forward pass) and the gradient of its output, recomputes the
 * forward values with `decoderBlock`, and walks the block backwards:
 *   out = a + mlp(rmsnorm(a))        da = dout + rmsnorm'(mlp'(dout))
 *   a = h + o_proj(attention(x)),    dh = da + rmsnorm'(qkv'(attention'(o_proj'(da)))),  x = rmsnorm(h)
 * Keeping only block inputs bounds memory to one [batch, seq, hidden] state per block; the
 * price is one more forward pass of the block.
 *
 * Two variants: a trainable block also returns the gradient of each of its tensors; a frozen
 * block only passes the gradient on to the block below (no weight-gradient work).
 */
import type { ModelDescription } from '../../../shared/model.js';
import { blockTensorSpecs } from '../../model/tensors.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';
import { attentionBackward } from './attention-backward.js';
import { declareBlockInputs, decoderBlock, mlpWeights } from './decoder-block.js';
import { linearBackward, type WeightGrads } from './linear-backward.js';
import { swiGluBackward } from './mlp-backward.js';
import { rmsNormBackward } from './rms-norm-backward.js';

/** Names beyond the forward block's BLOCK_IO inputs, which this graph shares. */
export const BLOCK_GRAD_IO = {
  /** d loss / d block output, [batch, seq, hidden]. */
  gradOutput: 'grad_hidden_out',
  /** d loss / d block input. */
  gradInput: 'grad_hidden',
} as const;

/** Output name of the gradient of a block tensor (by suffix). */
export function blockWeightGradName(suffix: string): string {
  return `grad.${suffix}`;
}

/** Computes in float32; `precision` may feed the weights as fp16 (widened in the graph; gradients are float32). */
export function decoderBlockBackwardGraph(m: ModelDescription, options: { weightGrads: boolean; precision?: GraphPrecision }): BuiltModel {
  const precision = options.precision ?? FP32;
  if (precision.compute !== 'float32') throw new Error('decoderBlockBackwardGraph: training graphs compute in float32');
  const g = new GraphBuilder(options.weightGrads ? 'decoder-block-backward' : 'decoder-block-backward-frozen', undefined, precision);
  const inputs = declareBlockInputs(g, m);
  const w = inputs.weights;
  const forward = decoderBlock(g, m, inputs);
  const dOut = g.input(BLOCK_GRAD_IO.gradOutput, 'float32', ['batch', 'seq', m.hiddenSize]);
  const grads: WeightGrads = options.weightGrads ? new Map() : null;

  const dMlpIn = swiGluBackward(g, forward.mlpNorm.output, forward.mlp, mlpWeights(w), dOut, grads);
  const dAfterAttention = g.op('Add', [dOut, rmsNormBackward(g, forward.mlpNorm, w['post_attention_layernorm.weight'], dMlpIn, grads)]);

  const dContext = linearBackward(g, forward.attention.context, dAfterAttention, w['self_attn.o_proj.weight'], w['self_attn.o_proj.bias'], grads);
  const dProjections = attentionBackward(g, m, forward.attention, dContext, inputs.rotary);
  const x = forward.attentionNorm.output;
  // Two Adds, not Sum: onnxruntime's WebGPU provider has no Sum kernel.
  const dX = g.op('Add', [
    g.op('Add', [
      linearBackward(g, x, dProjections.q, w['self_attn.q_proj.weight'], w['self_attn.q_proj.bias'], grads),
      linearBackward(g, x, dProjections.k, w['self_attn.k_proj.weight'], w['self_attn.k_proj.bias'], grads),
    ]),
    linearBackward(g, x, dProjections.v, w['self_attn.v_proj.weight'], w['self_attn.v_proj.bias'], grads),
  ]);
  const dHidden = g.op('Add', [dAfterAttention, rmsNormBackward(g, forward.attentionNorm, w['input_layernorm.weight'], dX, grads)]);

  g.output(BLOCK_GRAD_IO.gradInput, dHidden, 'float32', ['batch', 'seq', m.hiddenSize]);
  if (grads) {
    for (const spec of blockTensorSpecs(m)) g.output(blockWeightGradName(spec.name), grads.get(w[spec.name])!, 'float32', spec.shape);
  }
  return g.build();
}
