/**
 * Token documents -> training sequences of a fixed length.
 *
 * - "pack": text documents, each already wrapped as [BOS] ids EOS (see tokenize.ts), are
 *   concatenated and cut into windows of exactly seqLen tokens; the EOS between documents tells
 *   the model where one ends. The last, incomplete window is dropped (and counted).
 * - "per-document": no mixing across documents; each document is cut into windows of seqLen,
 *   the last window may be shorter.
 * Token ids given exactly by the user ("input_ids" lines) are never packed with others: each
 * line is its own sequence, split into windows of seqLen when longer, in both modes.
 */
export type Packing = 'pack' | 'per-document';
export const PACKINGS: readonly Packing[] = ['pack', 'per-document'];

export interface TokenDocument {
  ids: Int32Array;
  /** Ids given exactly by the user: own sequence(s), never packed with other documents. */
  exact: boolean;
}

export class SequencePacker {
  private buffer: Int32Array;
  private filled = 0;

  constructor(
    readonly seqLen: number,
    readonly packing: Packing,
  ) {
    this.buffer = new Int32Array(seqLen);
  }

  /** The sequences this document completes (copies: callers may keep them). */
  push(doc: TokenDocument): Int32Array[] {
    if (doc.exact || this.packing === 'per-document') return windows(doc.ids, this.seqLen);
    const done: Int32Array[] = [];
    let offset = 0;
    while (offset < doc.ids.length) {
      const take = Math.min(this.seqLen - this.filled, doc.ids.length - offset);
      this.buffer.set(doc.ids.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.seqLen) {
        done.push(this.buffer);
        this.buffer = new Int32Array(this.seqLen);
        this.filled = 0;
      }
    }
    return done;
  }

  /** Tokens left in the incomplete last window ("pack" only); they form no sequence. */
  get pendingTokens(): number {
    return this.filled;
  }
}

function windows(ids: Int32Array, seqLen: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let start = 0; start < ids.length; start += seqLen) out.push(ids.slice(start, start + seqLen));
  return out;
}
