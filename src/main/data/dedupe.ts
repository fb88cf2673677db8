/**
 * Duplicate removal in corpus order: the first copy of a document is kept, later copies are
 * dropped. Exact duplicates are equal after decoding and line-ending normalisation (SHA-256 of
 * the text, or of the ids for token-id lines); near duplicates are found with MinHash
 * (near-duplicates.ts documents the threshold).
 */
import { createHash } from 'node:crypto';
import type { SourceDocument } from './documents.js';
import { minhashSignature, NearDuplicateIndex } from './near-duplicates.js';
import { littleEndianBytes } from './token-bytes.js';

export type DuplicateOf = { kind: 'exact'; of: number } | { kind: 'near'; of: number; similarity: number };

export class Deduplicator {
  private readonly exact = new Map<string, number>();
  private readonly near: NearDuplicateIndex | null;

  /** nearThreshold: Jaccard similarity from which documents count as near duplicates; null for exact matches only. */
  constructor(nearThreshold: number | null) {
    this.near = nearThreshold === null ? null : new NearDuplicateIndex(nearThreshold);
  }

  /** The kept document this one repeats, or null after recording it as kept under `id`. */
  check(doc: SourceDocument, id: number): DuplicateOf | null {
    const digest = createHash('sha256');
    if ('text' in doc) digest.update(doc.text);
    else digest.update('input_ids\0').update(littleEndianBytes(doc.ids));
    const key = digest.digest('base64');
    const exactOf = this.exact.get(key);
    if (exactOf !== undefined) return { kind: 'exact', of: exactOf };
    if (this.near && 'text' in doc) {
      const signature = minhashSignature(doc.text);
      const match = signature && this.near.findOrAdd(signature, id);
      if (match) return { kind: 'near', of: match.of, similarity: match.similarity };
    }
    this.exact.set(key, id);
    return null;
  }
}
