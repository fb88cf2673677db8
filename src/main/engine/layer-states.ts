/**
 * Hidden states of one run's batches at one point of its block sequence, kept so that a later
 * run over the same sequences can start there instead of at the embedding. The drop-one and
 * insert-one probes use it: without block i, blocks 0..i-1 compute exactly what they computed
 * for the unchanged model, so a probe starts from the states the baseline run left at block i
 * (src/main/analysis/probe-sweep.ts).
 *
 * The tensors are onnxruntime's outputs themselves (each graph call returns new buffers), so
 * keeping them costs memory, not time. `plan` names the batching they belong to: a run may start
 * from them only when it batches its sequences the same way.
 */
import type * as ort from 'onnxruntime-node';
import { UserError } from '../../shared/errors.js';
import type { PaddedBatch } from './batch.js';

export interface LayerStates {
  readonly plan: string;
  /** One [batch, seq, hidden] tensor per batch of the plan. */
  readonly tensors: readonly ort.Tensor[];
}

/** The batching of a run, as rows and padded length of each batch. */
export function batchPlanKey(batches: readonly PaddedBatch[]): string {
  return batches.map((b) => `${b.seqLen}:${b.rows.join(',')}`).join(';');
}

export function statesFor(batches: readonly PaddedBatch[], tensors: readonly ort.Tensor[]): LayerStates {
  return { plan: batchPlanKey(batches), tensors: [...tensors] };
}

/** The tensors of `states`, after checking that they belong to this run's batching. */
export function startingTensors(states: LayerStates, batches: readonly PaddedBatch[]): ort.Tensor[] {
  if (states.plan !== batchPlanKey(batches)) {
    throw new UserError('Saved hidden states belong to other sequences or another batching; the run cannot start from them.');
  }
  return [...states.tensors];
}
