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
 * block only passes the gradient on to the block below (no weight-gradient work). Either may
 * take the block's variant inputs (decoder-block.ts): packed-example segments, and LoRA
 * adapters, whose gradients it then returns (frozen base weights, trained adapters).
 */
import type { ModelDescription } from '../../../shared/model.js';
import { blockTensorSpecs } from '../../model/tensors.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';
import { attentionBackward } from './attention-backward.js';
import { declareBlockInputs, decoderBlock, mlpWeights, type BlockVariant } from './decoder-block.js';
import type { WeightGrads } from './linear-backward.js';
import { loraInputNames } from './lora.js';
import { projectionBackward } from './lora-backward.js';
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
export function decoderBlockBackwardGraph(m: ModelDescription, options: { weightGrads: boolean; precision?: GraphPrecision } & BlockVariant): BuiltModel {
  const precision = options.precision ?? FP32;
  if (precision.compute !== 'float32') throw new Error('decoderBlockBackwardGraph: training graphs compute in float32');
  const g = new GraphBuilder(options.weightGrads ? 'decoder-block-backward' : 'decoder-block-backward-frozen', undefined, precision);
  const inputs = declareBlockInputs(g, m, options);
  const w = inputs.weights;
  const adapters = inputs.adapters;
  const forward = decoderBlock(g, m, inputs);
  const dOut = g.input(BLOCK_GRAD_IO.gradOutput, 'float32', ['batch', 'seq', m.hiddenSize]);
  const grads: WeightGrads = options.weightGrads ? new Map() : null;
  const back = (x: string, dy: string, name: string) => projectionBackward(g, x, dy, w[`${name}.weight`], w[`${name}.bias`], grads, adapters[`${name}.weight`]);

  const dMlpIn = swiGluBackward(g, forward.mlpNorm.output, forward.mlp, mlpWeights(w, adapters), dOut, grads);
  const dAfterAttention = g.op('Add', [dOut, rmsNormBackward(g, forward.mlpNorm, w['post_attention_layernorm.weight'], dMlpIn, grads)]);

  const dContext = back(forward.attention.context, dAfterAttention, 'self_attn.o_proj');
  const dProjections = attentionBackward(g, m, forward.attention, dContext, inputs.rotary);
  const x = forward.attentionNorm.output;
  // Two Adds, not Sum: onnxruntime's WebGPU provider has no Sum kernel.
  const dX = g.op('Add', [
    g.op('Add', [back(x, dProjections.q, 'self_attn.q_proj'), back(x, dProjections.k, 'self_attn.k_proj')]),
    back(x, dProjections.v, 'self_attn.v_proj'),
  ]);
  const dHidden = g.op('Add', [dAfterAttention, rmsNormBackward(g, forward.attentionNorm, w['input_layernorm.weight'], dX, grads)]);

  g.output(BLOCK_GRAD_IO.gradInput, dHidden, 'float32', ['batch', 'seq', m.hiddenSize]);
  if (grads) {
    for (const spec of blockTensorSpecs(m)) g.output(blockWeightGradName(spec.name), grads.get(w[spec.name])!, 'float32', spec.shape);
  }
  for (const module of options.lora?.modules ?? []) {
    const adapter = adapters[`${module}.weight`];
    const names = loraInputNames(module);
    const [out, inDim] = blockTensorSpecs(m).find((s) => s.name === `${module}.weight`)!.shape;
    g.output(blockWeightGradName(names.a), adapter.grads.get(adapter.a)!, 'float32', [options.lora!.rank, inDim]);
    g.output(blockWeightGradName(names.b), adapter.grads.get(adapter.b)!, 'float32', [out, options.lora!.rank]);
  }
  return g.build();
}
