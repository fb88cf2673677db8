/**
 * The training loss on top of the last block: final norm, LM head, and weighted cross-entropy,
 *   loss = sum_t w_t (logsumexp(logits_t) - logits_t[target_t])
 * with w_t = 1/N on the N targets of an optimizer step (0 where a position has no target), so
 * micro-batches of one step add up to the step's mean. Its backward, in the same graph so the
 * [batch, seq, vocab] logits never leave onnxruntime:
 *   dlogits_t = w_t (softmax(logits_t) - onehot(target_t))
 *   dx = dlogits W_head,  dW_head = sum over tokens dlogits^T x,  then the final norm's backward.
 */
import type { ModelDescription } from '../../../shared/model.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';
import { linearBackward, type WeightGrads } from './linear-backward.js';
import { HEAD_IO, declareHeadInputs, headLogits, logSoftmaxParts, targetLogits } from './lm-head.js';
import { rmsNormBackward } from './rms-norm-backward.js';

/** Names beyond HEAD_IO's hidden, norm_weight, head_weight and targets, which this graph shares. */
export const LOSS_IO = {
  /** float [batch, seq]: w_t above. */
  targetWeights: 'target_weights',
  /** Scalar: the weighted loss. */
  loss: 'loss',
  gradHidden: 'grad_hidden',
  gradNormWeight: 'grad_norm_weight',
  gradHeadWeight: 'grad_head_weight',
} as const;

/** What the graph differentiates: nothing (evaluation), the hidden state only (frozen head), or the head's weights too. */
export type HeadGradients = 'none' | 'hidden' | 'all';

/** Computes in float32; `precision` may feed the weights as fp16 (widened in the graph). */
export function headLossGraph(m: ModelDescription, gradients: HeadGradients, precision: GraphPrecision = FP32): BuiltModel {
  if (precision.compute !== 'float32') throw new Error('headLossGraph: training graphs compute in float32');
  const g = new GraphBuilder(`head-loss-${gradients}`, undefined, precision);
  const inputs = declareHeadInputs(g, m);
  const targets = g.input(HEAD_IO.targets, 'int64', ['batch', 'seq']);
  const weights = g.op('Unsqueeze', [g.input(LOSS_IO.targetWeights, 'float32', ['batch', 'seq']), g.int64([-1])]);
  const { norm, logits } = headLogits(g, m, inputs);
  const logSoftmax = logSoftmaxParts(g, logits);
  const nll = g.op('Sub', [logSoftmax.logNormaliser, targetLogits(g, logits, targets)]);
  g.output(LOSS_IO.loss, g.op('ReduceSum', [g.op('Mul', [nll, weights])], { keepdims: 0 }), 'float32', []);
  if (gradients === 'none') return g.build();

  const weightedProbs = g.op('Mul', [g.op('Div', [logSoftmax.shiftedExp, logSoftmax.sumExp]), weights]);
  const dLogits = g.op('ScatterElements', [weightedProbs, g.op('Unsqueeze', [targets, g.int64([-1])]), g.op('Neg', [weights])], {
    axis: -1,
    reduction: 'add',
  });
  const grads: WeightGrads = gradients === 'all' ? new Map() : null;
  const dNormOut = linearBackward(g, norm.output, dLogits, inputs.headWeight, undefined, grads);
  const dHidden = rmsNormBackward(g, norm, inputs.normWeight, dNormOut, grads);
  g.output(LOSS_IO.gradHidden, dHidden, 'float32', ['batch', 'seq', m.hiddenSize]);
  if (grads) {
    g.output(LOSS_IO.gradNormWeight, grads.get(inputs.normWeight)!, 'float32', [m.hiddenSize]);
    g.output(LOSS_IO.gradHeadWeight, grads.get(inputs.headWeight)!, 'float32', [m.vocabSize, m.hiddenSize]);
  }
  return g.build();
}
