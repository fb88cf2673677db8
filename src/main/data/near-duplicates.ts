/**
 * Near-duplicate detection with MinHash and locality-sensitive hashing (Broder 1997; Leskovec,
 * Rajaraman & Ullman, "Mining of Massive Datasets", ch. 3).
 *
 * A document is the set S of its shingles: runs of SHINGLE_WORDS consecutive words (lower-cased
 * letters, digits and "_", so layout and punctuation changes do not matter). Two documents are
 * near-duplicates when their Jaccard similarity J = |S1 ∩ S2| / |S1 ∪ S2| >= NEAR_DUPLICATE_JACCARD.
 *
 * MinHash: for a random hash function h, P[min h(S1) = min h(S2)] = J. With PERMUTATIONS
 * independent functions h_k(x) = mix32(x ^ salt_k) (salts from a fixed seed, so results repeat
 * run to run), the share of equal minima estimates J.
 *
 * LSH: the signature is cut into BANDS bands of ROWS values; documents that agree on a whole band
 * become candidates. P[candidate] = 1 - (1 - J^ROWS)^BANDS: 0.95 at J = 0.8, 0.006 at J = 0.3.
 * Each candidate is then checked against the threshold with the estimated J, so the bands only
 * decide whom to compare with, never who is a duplicate.
 *
 * With 5-word shingles, one changed word alters up to 5 shingles: a 300-word document with three
 * edited words keeps J ~ 0.9 and is caught; two different licences that share boilerplate fall
 * well below 0.8 and are both kept.
 *
 * Memory: stored signatures keep the low 16 bits of each minimum (b-bit MinHash, Li & König 2010):
 * two unequal minima then collide with probability 2^-16, which moves the estimate by < 0.0001.
 * About 0.7 KB per kept document, bands included.
 */
import { hashString32, mix32, seededHash } from './hash32.js';

export const SHINGLE_WORDS = 5;
export const PERMUTATIONS = 128;
export const BANDS = 16;
export const ROWS = PERMUTATIONS / BANDS;
export const NEAR_DUPLICATE_JACCARD = 0.8;
/** Fixed so that the same corpus gives the same result on every run and machine. */
const MINHASH_SEED = 0x5eed_0001;

const SALTS = Uint32Array.from({ length: PERMUTATIONS }, (_, k) => seededHash(MINHASH_SEED, k));
const WORD = /[\p{L}\p{N}_]+/gu;

/** The MinHash signature of a text's shingle set, or null for a text without words. */
export function minhashSignature(text: string): Uint32Array | null {
  const words = text.toLowerCase().match(WORD);
  if (!words) return null;
  const wordHashes = words.map(hashString32);
  const signature = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  const shingles = Math.max(1, wordHashes.length - SHINGLE_WORDS + 1);
  for (let s = 0; s < shingles; s++) {
    // An order-sensitive combination of the shingle's word hashes.
    let x = 0;
    for (let w = s; w < Math.min(s + SHINGLE_WORDS, wordHashes.length); w++) x = mix32((x ^ wordHashes[w]) + 0x9e3779b9);
    for (let k = 0; k < PERMUTATIONS; k++) {
      const h = mix32(x ^ SALTS[k]);
      if (h < signature[k]) signature[k] = h;
    }
  }
  return signature;
}

/** Share of equal positions: the MinHash estimate of the Jaccard similarity. */
export function estimatedJaccard(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let equal = 0;
  for (let k = 0; k < PERMUTATIONS; k++) if (a[k] === b[k]) equal++;
  return equal / PERMUTATIONS;
}

export interface NearDuplicateMatch {
  /** Index (as given to add) of the kept document this one nearly repeats. */
  of: number;
  similarity: number;
}

/** The kept documents so far; each new one is either matched to one of them or added. */
export class NearDuplicateIndex {
  /** Per band: band key -> slot, or slots when several kept documents share it (rare, so no array per entry). */
  private readonly buckets = Array.from({ length: BANDS }, () => new Map<number, number | number[]>());
  private signatures = new Uint16Array(PERMUTATIONS * 1024);
  private readonly ids: number[] = [];

  constructor(readonly threshold = NEAR_DUPLICATE_JACCARD) {}

  /** The best kept match at or above the threshold, or null after adding the document as kept. */
  findOrAdd(signature: Uint32Array, id: number): NearDuplicateMatch | null {
    const short = new Uint16Array(PERMUTATIONS);
    for (let k = 0; k < PERMUTATIONS; k++) short[k] = signature[k] & 0xffff;
    const keys = new Array<number>(BANDS);
    const candidates = new Set<number>();
    for (let b = 0; b < BANDS; b++) {
      let key = b;
      for (let r = 0; r < ROWS; r++) key = mix32((key ^ signature[b * ROWS + r]) + 0x9e3779b9);
      keys[b] = key;
      const bucket = this.buckets[b].get(key);
      if (typeof bucket === 'number') candidates.add(bucket);
      else if (bucket) for (const slot of bucket) candidates.add(slot);
    }
    let best: NearDuplicateMatch | null = null;
    for (const slot of candidates) {
      const similarity = estimatedJaccard(short, this.signatures.subarray(slot * PERMUTATIONS, (slot + 1) * PERMUTATIONS));
      if (similarity >= this.threshold && (best === null || similarity > best.similarity)) best = { of: this.ids[slot], similarity };
    }
    if (best) return best;
    const slot = this.ids.length;
    this.ids.push(id);
    if ((slot + 1) * PERMUTATIONS > this.signatures.length) {
      const grown = new Uint16Array(this.signatures.length * 2);
      grown.set(this.signatures);
      this.signatures = grown;
    }
    this.signatures.set(short, slot * PERMUTATIONS);
    for (let b = 0; b < BANDS; b++) {
      const bucket = this.buckets[b].get(keys[b]);
      if (bucket === undefined) this.buckets[b].set(keys[b], slot);
      else if (typeof bucket === 'number') this.buckets[b].set(keys[b], [bucket, slot]);
      else bucket.push(slot);
    }
    return null;
  }
}
