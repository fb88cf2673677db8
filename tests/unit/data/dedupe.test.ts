/** Exact and near-duplicate removal, checked against Jaccard similarity computed directly. */
import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../../src/main/data/dedupe.js';
import type { SourceDocument } from '../../../src/main/data/documents.js';
import { estimatedJaccard, minhashSignature, NEAR_DUPLICATE_JACCARD, SHINGLE_WORDS } from '../../../src/main/data/near-duplicates.js';
import { prose } from './helpers.js';

/** Reference: the exact Jaccard similarity of two texts' word-shingle sets. */
function jaccard(a: string, b: string): number {
  const shingles = (t: string) => {
    const w = t.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
    const out = new Set<string>();
    for (let i = 0; i + SHINGLE_WORDS <= w.length; i++) out.add(w.slice(i, i + SHINGLE_WORDS).join(' '));
    return out;
  };
  const A = shingles(a);
  const B = shingles(b);
  let common = 0;
  for (const s of A) if (B.has(s)) common++;
  return common / (A.size + B.size - common);
}

/** Replaces every `every`-th word with a new one: a small, spread-out edit. */
function edit(text: string, every: number): string {
  return text
    .split(' ')
    .map((w, i) => (i % every === every - 1 ? `edited${i}` : w))
    .join(' ');
}

const doc = (source: string, text: string): SourceDocument => ({ source, kind: 'text', text, encoding: 'utf-8', bytes: text.length });

describe('MinHash', () => {
  it('estimates the Jaccard similarity of shingle sets within a few percent', () => {
    const base = prose(400, 1);
    for (const every of [200, 50, 20, 8, 4]) {
      const other = edit(base, every);
      const estimate = estimatedJaccard(minhashSignature(base)!, minhashSignature(other)!);
      // Standard error of the estimate is sqrt(J(1-J)/128) <= 0.045; allow about 3 of them.
      expect(Math.abs(estimate - jaccard(base, other)), `every ${every}`).toBeLessThan(0.13);
    }
  });

  it('is deterministic and ignores case, punctuation and layout', () => {
    const t = prose(100, 2);
    expect(minhashSignature(t)).toEqual(minhashSignature(t));
    expect(minhashSignature(t.toUpperCase().replace(/ /g, ',\n  '))).toEqual(minhashSignature(t));
    expect(minhashSignature('!!! ---')).toBeNull();
  });
});

describe('Deduplicator', () => {
  it('removes exact and near duplicates made by small edits, keeps distinct documents', () => {
    const originals = [prose(300, 10), prose(300, 11), prose(300, 12)];
    const nearCopy = edit(originals[1], 60); // 5 words of 300 changed
    expect(jaccard(originals[1], nearCopy)).toBeGreaterThan(NEAR_DUPLICATE_JACCARD);
    const dedupe = new Deduplicator(NEAR_DUPLICATE_JACCARD);
    const results = [
      dedupe.check(doc('a', originals[0]), 0),
      dedupe.check(doc('b', originals[1]), 1),
      dedupe.check(doc('c', originals[0]), 2),
      dedupe.check(doc('d', nearCopy), 3),
      dedupe.check(doc('e', originals[2]), 4),
    ];
    expect(results[0]).toBeNull();
    expect(results[1]).toBeNull();
    expect(results[2]).toEqual({ kind: 'exact', of: 0 });
    expect(results[3]).toMatchObject({ kind: 'near', of: 1 });
    expect((results[3] as { similarity: number }).similarity).toBeGreaterThanOrEqual(NEAR_DUPLICATE_JACCARD);
    expect(results[4]).toBeNull();
  });

  it('keeps documents that share only some text (below the threshold)', () => {
    const shared = prose(100, 20);
    const a = `${shared} ${prose(200, 21)}`;
    const b = `${shared} ${prose(200, 22)}`;
    expect(jaccard(a, b)).toBeLessThan(0.5);
    const dedupe = new Deduplicator(NEAR_DUPLICATE_JACCARD);
    expect(dedupe.check(doc('a', a), 0)).toBeNull();
    expect(dedupe.check(doc('b', b), 1)).toBeNull();
  });

  it('with near-duplicate detection off, only exact copies go', () => {
    const t = prose(300, 30);
    const dedupe = new Deduplicator(null);
    expect(dedupe.check(doc('a', t), 0)).toBeNull();
    expect(dedupe.check(doc('b', edit(t, 60)), 1)).toBeNull();
    expect(dedupe.check(doc('c', t), 2)).toEqual({ kind: 'exact', of: 0 });
  });

  it('compares token-id documents exactly, never as text', () => {
    const dedupe = new Deduplicator(NEAR_DUPLICATE_JACCARD);
    const ids = (values: number[]): SourceDocument => ({ source: 'x', kind: 'jsonl', ids: Int32Array.from(values), bytes: 0 });
    expect(dedupe.check(ids([1, 2, 3]), 0)).toBeNull();
    expect(dedupe.check(ids([1, 2, 4]), 1)).toBeNull();
    expect(dedupe.check(ids([1, 2, 3]), 2)).toEqual({ kind: 'exact', of: 0 });
  });
});
