/**
 * Final norm + LM head of quick scans: as lm-head.ts, with the vocabulary projection in int8
 * (linear-int8.ts); the norm, the log-softmax and the target pick stay fp32:
 *   log p(target) = logit[target] - logsumexp(logits),  logits = int8 product of rmsnorm(h).
 * Inputs: the head as int8 [hidden, vocab] (HEAD_IO.headWeight) and its per-token scales
 * float32 [vocab] (HEAD_IO.headWeight + SCALE_SUFFIX).
 */
import type { ModelDescription } from '../../../shared/model.js';
import { GraphBuilder, type BuiltModel } from '../onnx/graph-builder.js';
import { SCALE_SUFFIX, int8Projection } from './decoder-block-int8.js';
import { HEAD_IO, logSoftmaxParts, targetLogits } from './lm-head.js';
import { rmsNorm } from './rms-norm.js';

function quantisedHeadLogits(g: GraphBuilder, m: ModelDescription): string {
  const hidden = g.input(HEAD_IO.hidden, 'float32', ['batch', 'seq', m.hiddenSize]);
  const normWeight = g.input(HEAD_IO.normWeight, 'float32', [m.hiddenSize]);
  const head = g.input(HEAD_IO.headWeight, 'int8', [m.hiddenSize, m.vocabSize]);
  g.input(HEAD_IO.headWeight + SCALE_SUFFIX, 'float32', [m.vocabSize]);
  return int8Projection()(g, rmsNorm(g, hidden, normWeight, m.rmsNormEps), head);
}

export function quantisedTokenLogProbGraph(m: ModelDescription): BuiltModel {
  const g = new GraphBuilder('token-log-probs-int8');
  const logits = quantisedHeadLogits(g, m);
  const targets = g.input(HEAD_IO.targets, 'int64', ['batch', 'seq']);
  const logProbs = g.op('Sub', [targetLogits(g, logits, targets), logSoftmaxParts(g, logits).logNormaliser]);
  g.output(HEAD_IO.logProbs, g.op('Squeeze', [logProbs, g.int64([-1])]), 'float32', ['batch', 'seq']);
  return g.build();
}

export function quantisedLogitsGraph(m: ModelDescription): BuiltModel {
  const g = new GraphBuilder('logits-int8');
  g.output(HEAD_IO.logits, quantisedHeadLogits(g, m), 'float32', ['batch', 'seq', m.vocabSize]);
  return g.build();
}
