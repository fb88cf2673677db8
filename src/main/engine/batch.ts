/**
 * Token sequences of any lengths -> right-padded batches the graphs consume. Right padding
 * keeps every sequence at positions 0..length-1 (one rotary table serves the whole batch) and,
 * with the causal mask, real tokens never see padding. Sequences are grouped by length so that
 * little padding is computed, and each batch is sized to an activation-memory budget.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import { sequencesPerCall } from '../memory/forward.js';

export interface PaddedBatch {
  /** For each batch row, the index of its sequence in the caller's list. */
  rows: number[];
  lengths: number[];
  /** Padded length: the longest sequence of the batch. */
  seqLen: number;
  /** int64 [batch, seq], padding = token 0. */
  tokenIds: ort.Tensor;
  /** int64 [batch, seq]: the next token at each position (0 where there is none). */
  targets: ort.Tensor;
  /** bool [batch, seq]: real tokens. */
  tokenMask: ort.Tensor;
  /** bool [batch, seq]: the last real token of each row. */
  lastMask: ort.Tensor;
}

/** Rejects what the model cannot read, with the sequence and position that is wrong. */
export function validateSequences(sequences: readonly ArrayLike<number>[], m: ModelDescription): void {
  if (sequences.length === 0) throw new UserError('No token sequences to run. Give at least one non-empty text or token list.');
  sequences.forEach((seq, s) => {
    if (seq.length === 0) throw new UserError(`Sequence ${s + 1} has no tokens. Remove empty lines or texts from the data.`);
    if (seq.length > m.maxPositionEmbeddings) {
      throw new UserError(
        `Sequence ${s + 1} has ${seq.length} tokens, more than the model's limit of ${m.maxPositionEmbeddings} (max_position_embeddings). Use a shorter sequence length.`,
      );
    }
    for (let t = 0; t < seq.length; t++) {
      const id = seq[t];
      if (!Number.isInteger(id) || id < 0 || id >= m.vocabSize) {
        throw new UserError(
          `Token id ${id} at position ${t + 1} of sequence ${s + 1} is outside the model's vocabulary (0 to ${m.vocabSize - 1}). Tokenise the data with this model's tokenizer.`,
        );
      }
    }
  });
}

/** Groups sequences (longest first) into padded batches that fit `budgetBytes` each. */
export function planBatches(sequences: readonly ArrayLike<number>[], m: ModelDescription, budgetBytes: number): PaddedBatch[] {
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[b].length - sequences[a].length);
  const batches: PaddedBatch[] = [];
  for (let start = 0; start < order.length;) {
    const seqLen = sequences[order[start]].length;
    const fit = sequencesPerCall(m, seqLen, budgetBytes);
    const rows = order.slice(start, start + fit);
    batches.push(padBatch(rows, sequences, seqLen));
    start += rows.length;
  }
  return batches;
}

/** The listed sequences, in that order, right-padded to seqLen (at least the longest of them). */
export function padBatch(rows: number[], sequences: readonly ArrayLike<number>[], seqLen: number): PaddedBatch {
  const size = rows.length * seqLen;
  const tokenIds = new BigInt64Array(size);
  const targets = new BigInt64Array(size);
  const tokenMask = new Uint8Array(size);
  const lastMask = new Uint8Array(size);
  const lengths = rows.map((s) => sequences[s].length);
  rows.forEach((s, r) => {
    const seq = sequences[s];
    const base = r * seqLen;
    for (let t = 0; t < seq.length; t++) {
      tokenIds[base + t] = BigInt(seq[t]);
      if (t + 1 < seq.length) targets[base + t] = BigInt(seq[t + 1]);
      tokenMask[base + t] = 1;
    }
    lastMask[base + seq.length - 1] = 1;
  });
  const dims = [rows.length, seqLen];
  return {
    rows,
    lengths,
    seqLen,
    tokenIds: new ort.Tensor('int64', tokenIds, dims),
    targets: new ort.Tensor('int64', targets, dims),
    tokenMask: new ort.Tensor('bool', tokenMask, dims),
    lastMask: new ort.Tensor('bool', lastMask, dims),
  };
}
