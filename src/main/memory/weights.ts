/**
 * Bytes of frozen weights a job holds in each weight mode (src/shared/memory.ts WEIGHT_MODES).
 * With H hidden size, V vocabulary, P_block the parameters of one block, b the bytes per stored
 * element (2 for bf16/f16, 4 for f32) and P the parameters the job holds:
 *
 *   resident-f32     4 * P
 *   resident-stored  b * P + 4 * S          S = max(P_block, V * H): the fp32 buffer that one
 *                                           block, the embedding or the head is widened into
 *   streamed         4 * S + b * T_max      the widening buffer and the largest tensor's bytes
 *                                           as read from disk
 *
 *   resident-int8    see int8.ts (quick scans; never offered by weightModes)
 *
 * resident-stored is resident-f32 when the weights are stored as f32, so it is offered only
 * for 16-bit checkpoints.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { WeightMode } from '../../shared/memory.js';
import { blockParameters } from '../model/tensors.js';
import { int8WeightBytes } from './int8.js';

/** Elements of the fp32 buffer that one block, the embedding or the LM head is widened into. */
export function widenElements(m: ModelDescription): number {
  return Math.max(blockParameters(m), m.vocabSize * m.hiddenSize);
}

/** Elements of the largest single tensor: the embedding or LM head, or an MLP or attention matrix. */
function largestTensorElements(m: ModelDescription): number {
  return m.hiddenSize * Math.max(m.vocabSize, m.intermediateSize, m.heads * m.headDim);
}

/** The modes a checkpoint stored with `storedBytes` per element offers, fastest first. */
export function weightModes(storedBytes: number): WeightMode[] {
  return storedBytes < 4 ? ['resident-f32', 'resident-stored', 'streamed'] : ['resident-f32', 'streamed'];
}

export function heldWeightBytes(m: ModelDescription, mode: WeightMode, heldParameters: number, storedBytes: number): number {
  const widen = 4 * widenElements(m);
  switch (mode) {
    case 'resident-f32':
      return 4 * heldParameters;
    case 'resident-stored':
      return storedBytes * heldParameters + (storedBytes < 4 ? widen : 0);
    case 'streamed':
      return widen + storedBytes * largestTensorElements(m);
    case 'resident-int8':
      return int8WeightBytes(m, storedBytes, { head: true, cached: false });
  }
}
