/**
 * The training loss in float64, from the independent reference forward pass: the yardstick for
 * gradients (central finite differences) and for optimizer steps.
 *   L = w * sum over sequences and positions t < length-1 of -log p(ids[t+1] | ids[..t])
 */
import { blockTensorName, blockTensorSpecs } from '../../../src/main/model/tensors.js';
import type { ModelDescription } from '../../../src/shared/model.js';
import { referenceForward, referenceTokenLogProbs } from './reference-forward.js';

/** `weights`: every tensor of the model by full Hugging Face name. */
export function referenceLoss(m: ModelDescription, weights: ReadonlyMap<string, ArrayLike<number>>, sequences: readonly number[][], w: number): number {
  const blocks = Array.from(
    { length: m.layers },
    (_, layer) => new Map(blockTensorSpecs(m).map((s) => [s.name, weights.get(blockTensorName(layer, s.name))!])),
  );
  let loss = 0;
  for (const ids of sequences) {
    const { logits } = referenceForward(m, weights, blocks, ids);
    for (const logProb of referenceTokenLogProbs(logits, ids, m.vocabSize)) loss -= w * logProb;
  }
  return loss;
}

/** Float64 copies of every tensor, for perturbing without float32 rounding. */
export function float64Weights(tensors: ReadonlyMap<string, Float32Array>): Map<string, Float64Array> {
  return new Map([...tensors].map(([name, data]) => [name, Float64Array.from(data)]));
}

/** Number of targets: every position but the last of each sequence. */
export function targetCount(sequences: readonly number[][]): number {
  return sequences.reduce((n, s) => n + s.length - 1, 0);
}
