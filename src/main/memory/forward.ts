/**
 * Peak memory of a forward job (scoring, probes, evaluation, generation, the function check) in
 * each weight mode, from the model's shape and the job's settings alone, before anything loads:
 *
 *   peak = runtime + weights(mode) + hidden + working (+ 4 * P_block for a block made as a mean)
 *
 *   runtime  Node, onnxruntime, the graphs and the tokenizer: RUNTIME_BYTES, measured
 *   weights  see weights.ts (int8.ts for quick scans)
 *   hidden   4 * T*H * min(S, C) * k + 4 * B*T*H   the hidden states of one chunk of C sequences
 *                                               (the engine runs layer-major, chunk by chunk;
 *                                               k = 1 + the longest scoring span)
 *                                               and one batch's block output
 *   working  B * a(T)                           one graph call's intermediates, a(T) per sequence
 *
 * with S sequences of T tokens run in batches of B = max(1, floor(activation budget / a(T))).
 * Scores (block statistics only) do not run the LM head, so their a(T) has no vocabulary term;
 * B is still sized with it, as the engine sizes its batches for any run.
 */
import type { ModelDescription } from '../../shared/model.js';
import { WEIGHT_MODE_WORDS, type MemoryEstimate, type WeightMode } from '../../shared/memory.js';
import { blockParameters, modelParameters } from '../model/tensors.js';
import { int8WeightParts } from './int8.js';
import { heldWeightBytes, weightModes } from './weights.js';

/** Resident memory of the compute process before it loads a model (Node, onnxruntime, sessions, tokenizer). */
export const RUNTIME_BYTES = 400 * 2 ** 20;
/** Bytes of intermediate activations one graph call may use; sets the batch size. */
export const DEFAULT_ACTIVATION_BUDGET = 2 ** 30;
/** fp32 hidden states of one chunk of sequences (the engine holds a chunk's states at once). */
export const HIDDEN_STATE_BUDGET_BYTES = 256 * 2 ** 20;

/**
 * Peak bytes one sequence of length T needs inside a graph call: the attention scores (a few
 * [heads, T, T] float32 copies), the MLP activations [T, intermediate], or the head's logits
 * [T, vocab], whichever is largest.
 */
export function activationBytesPerSequence(m: ModelDescription, seqLen: number, head = true): number {
  return 4 * seqLen * Math.max(3 * m.heads * seqLen, 3 * m.intermediateSize, head ? 3 * m.vocabSize : 0);
}

/** Sequences per graph call within the activation budget. */
export function sequencesPerCall(m: ModelDescription, seqLen: number, budgetBytes: number): number {
  return Math.max(1, Math.floor(budgetBytes / activationBytesPerSequence(m, seqLen)));
}

/** Sequences whose hidden states one chunk holds, each sequence holding `heldStates` of them at once. */
export function sequencesPerChunk(m: ModelDescription, seqLen: number, budgetBytes = HIDDEN_STATE_BUDGET_BYTES, heldStates = 1): number {
  return Math.max(1, Math.floor(budgetBytes / (4 * seqLen * m.hiddenSize * heldStates)));
}

export interface ForwardShape {
  /** Sequences the job runs (all of them: the engine works through them chunk by chunk). */
  sequences: number;
  /** The longest sequence, in tokens. */
  seqLen: number;
  activationBudgetBytes?: number;
  /** The job builds blocks as element-wise means of others (insert probes, compositions). */
  meanBlocks?: boolean;
  /** Scoring runs of n layers (the gromov rule) keep n more hidden states per sequence alive. */
  spans?: number;
  /** Block statistics only (scores): the LM head does not run. */
  statsOnly?: boolean;
  /** Quick scans: the int8 weight cache already holds this model (nothing to quantise). */
  int8Cached?: boolean;
}

/** The estimate in every mode the checkpoint offers, fastest first. */
export function forwardEstimates(m: ModelDescription, storedBytes: number, shape: ForwardShape): MemoryEstimate[] {
  return weightModes(storedBytes).map((mode) => forwardEstimate(m, storedBytes, shape, mode));
}

export function forwardEstimate(m: ModelDescription, storedBytes: number, shape: ForwardShape, mode: WeightMode): MemoryEstimate {
  const T = shape.seqLen;
  const H = m.hiddenSize;
  const batch = Math.min(shape.sequences, sequencesPerCall(m, T, shape.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET));
  const held = 1 + (shape.spans ?? 0);
  const chunk = Math.min(shape.sequences, sequencesPerChunk(m, T, HIDDEN_STATE_BUDGET_BYTES, held));
  const weights =
    mode === 'resident-int8'
      ? int8WeightParts(m, storedBytes, { head: !shape.statsOnly, cached: shape.int8Cached === true })
      : [{ name: 'Weights', bytes: heldWeightBytes(m, mode, modelParameters(m), storedBytes), why: WEIGHT_MODE_WORDS[mode] }];
  const parts = [
    { name: 'Runtime', bytes: RUNTIME_BYTES, why: 'Node, onnxruntime, the graphs and the tokenizer' },
    ...weights,
    { name: 'Hidden states', bytes: 4 * T * H * (chunk * held + batch), why: `the hidden states of ${chunk} sequences of ${T} tokens between blocks` },
    {
      name: 'Working memory',
      bytes: batch * activationBytesPerSequence(m, T, !shape.statsOnly),
      why: `one block${shape.statsOnly ? '' : ' or the head'} run on ${batch} sequences at once`,
    },
  ];
  if (shape.meanBlocks) parts.push({ name: 'Averaged block', bytes: 4 * blockParameters(m), why: 'a new block made as the mean of existing ones' });
  return { mode, totalBytes: parts.reduce((n, p) => n + p.bytes, 0), parts };
}
