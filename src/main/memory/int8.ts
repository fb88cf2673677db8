/**
 * Bytes of the weights of a quick scan ('resident-int8', src/main/engine/quantised-weights.ts).
 * With L layers, H hidden size, V vocabulary, b the bytes per stored element, and per block
 * P_mat the weights of its matrices (q, k, v, o, gate, up, down), C their output channels and
 * P_vec its norms and biases:
 *
 *   int8 matrices  L * (P_mat + 4 C)              1 byte per weight + one fp32 scale per channel
 *   LM head        V * H + 4 V                    int8 too, only when the job computes log-probabilities
 *   fp32 rest      4 * (L * P_vec + V * H + H)    norms, biases, the embedding (a lookup), the final norm
 *   quantising     (b + 4 + 1) * T_max            without a cache entry: the largest tensor as read,
 *                                                 widened to fp32 and quantised, one tensor at a time
 */
import type { ModelDescription } from '../../shared/model.js';
import type { MemoryPart } from '../../shared/memory.js';
import { blockTensorSpecs, elementCount } from '../model/tensors.js';

export interface Int8Weights {
  /** The job reads log-probabilities (probes), so the LM head is held too. */
  head: boolean;
  /** The weight cache holds this model: nothing is quantised, only read. */
  cached: boolean;
}

function blockMatrixBytes(m: ModelDescription): number {
  return blockTensorSpecs(m)
    .filter((s) => s.shape.length === 2)
    .reduce((n, s) => n + elementCount(s.shape) + 4 * s.shape[0], 0);
}

function blockVectorElements(m: ModelDescription): number {
  return blockTensorSpecs(m)
    .filter((s) => s.shape.length === 1)
    .reduce((n, s) => n + elementCount(s.shape), 0);
}

/** Elements of the largest single tensor: the embedding or LM head, or an MLP or attention matrix. */
function largestTensorElements(m: ModelDescription): number {
  return m.hiddenSize * Math.max(m.vocabSize, m.intermediateSize, m.heads * m.headDim);
}

export function int8WeightParts(m: ModelDescription, storedBytes: number, w: Int8Weights): MemoryPart[] {
  const V = m.vocabSize;
  const H = m.hiddenSize;
  const parts: MemoryPart[] = [
    { name: 'Weights', bytes: m.layers * blockMatrixBytes(m), why: `every block's matrices in int8 with an fp32 scale per output channel` },
    { name: 'Embedding and norms', bytes: 4 * (m.layers * blockVectorElements(m) + V * H + H), why: 'the embedding, norms and biases in fp32' },
  ];
  if (w.head) parts.push({ name: 'LM head', bytes: V * H + 4 * V, why: 'the LM head in int8, for log-probabilities' });
  if (!w.cached) {
    parts.push({
      name: 'Quantising',
      bytes: (storedBytes + 4 + 1) * largestTensorElements(m),
      why: 'the largest tensor as read, widened and quantised, on the first quick scan of this model',
    });
  }
  return parts;
}

export function int8WeightBytes(m: ModelDescription, storedBytes: number, w: Int8Weights): number {
  return int8WeightParts(m, storedBytes, w).reduce((n, p) => n + p.bytes, 0);
}
