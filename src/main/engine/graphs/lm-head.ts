/**
 * Final norm + LM head. The usual product is log p(target) per position, computed in the
 * graph as logit[target] - logsumexp(logits) so only [batch, seq] numbers leave it; full
 * logits ([batch, seq, vocab]) are returned only by `logitsGraph`, for tests and checks.
 * The training loss (lm-head-loss.ts) builds on the same pieces.
 */
import type { ModelDescription } from '../../../shared/model.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';
import { linear } from './linear.js';
import { rmsNormParts, type RmsNormParts } from './rms-norm.js';

export const HEAD_IO = {
  hidden: 'hidden',
  normWeight: 'norm_weight',
  /** [vocab, hidden]: lm_head.weight, or the embedding matrix when tied. */
  headWeight: 'head_weight',
  /** int64 [batch, seq]: the token whose log-probability each position reports. */
  targets: 'targets',
  logProbs: 'log_probs',
  logits: 'logits',
} as const;

export interface HeadInputs {
  hidden: string;
  normWeight: string;
  headWeight: string;
}

export interface HeadParts {
  norm: RmsNormParts;
  /** [batch, seq, vocab]. */
  logits: string;
}

/** The pieces of log softmax that the loss's backward pass reuses; all [batch, seq, 1] but shiftedExp. */
export interface LogSoftmaxParts {
  /** exp(logits - max), [batch, seq, vocab]. */
  shiftedExp: string;
  sumExp: string;
  /** log sum_j exp(logits_j). */
  logNormaliser: string;
}

export function declareHeadInputs(g: GraphBuilder, m: ModelDescription): HeadInputs {
  return {
    hidden: g.input(HEAD_IO.hidden, g.float, ['batch', 'seq', m.hiddenSize]),
    normWeight: g.weight(HEAD_IO.normWeight, [m.hiddenSize]),
    headWeight: g.weight(HEAD_IO.headWeight, [m.vocabSize, m.hiddenSize]),
  };
}

export function headLogits(g: GraphBuilder, m: ModelDescription, inputs: HeadInputs): HeadParts {
  const norm = rmsNormParts(g, inputs.hidden, inputs.normWeight, m.rmsNormEps);
  return { norm, logits: linear(g, norm.output, inputs.headWeight) };
}

/**
 * log sum exp(x) = m + log sum exp(x - m), m = max x: stable, and these ops are vectorised and
 * threaded in onnxruntime, where ReduceLogSumExp took ~1.8x as long on [2048, 32000].
 */
export function logSoftmaxParts(g: GraphBuilder, logits: string): LogSoftmaxParts {
  const lastAxis = g.int64([-1]);
  const max = g.op('ReduceMax', [logits, lastAxis], { keepdims: 1 });
  const shiftedExp = g.op('Exp', [g.op('Sub', [logits, max])]);
  const sumExp = g.op('ReduceSum', [shiftedExp, lastAxis], { keepdims: 1 });
  return { shiftedExp, sumExp, logNormaliser: g.op('Add', [max, g.op('Log', [sumExp])]) };
}

/** logit[target] per position, [batch, seq, 1]. */
export function targetLogits(g: GraphBuilder, logits: string, targets: string): string {
  return g.op('GatherElements', [logits, g.op('Unsqueeze', [targets, g.int64([-1])])], { axis: -1 });
}

/** Log-probabilities in float32 whatever the graph computes in: log-softmax over the vocabulary needs the range. */
export function tokenLogProbGraph(m: ModelDescription, precision: GraphPrecision = FP32): BuiltModel {
  const g = new GraphBuilder('token-log-probs', undefined, precision);
  const logits = g.toFloat32(headLogits(g, m, declareHeadInputs(g, m)).logits);
  const targets = g.input(HEAD_IO.targets, 'int64', ['batch', 'seq']);
  const logProbs = g.op('Sub', [targetLogits(g, logits, targets), logSoftmaxParts(g, logits).logNormaliser]);
  g.output(HEAD_IO.logProbs, g.op('Squeeze', [logProbs, g.int64([-1])]), 'float32', ['batch', 'seq']);
  return g.build();
}

export function logitsGraph(m: ModelDescription, precision: GraphPrecision = FP32): BuiltModel {
  const g = new GraphBuilder('logits', undefined, precision);
  g.output(HEAD_IO.logits, g.toFloat32(headLogits(g, m, declareHeadInputs(g, m)).logits), 'float32', ['batch', 'seq', m.vocabSize]);
  return g.build();
}
