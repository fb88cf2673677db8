/**
 * Small, fast 32-bit hashing for the corpus pipeline: the MinHash permutations, the seeded
 * document order of the train/validation split, seeded sampling, generated benchmark text, and
 * per-name seeds (generated test weights, the surgery check's token sequences).
 * Not cryptographic: content identity (exact duplicates, cache keys, data hashes) uses SHA-256.
 */

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The n-th value of a counter-based random stream for `seed`: no state to carry, so any element
 * (the n-th document, the n-th sequence) gets the same value however the loop reaches it.
 * The golden-ratio step spreads consecutive counters before the finaliser (as in SplitMix).
 */
export function seededHash(seed: number, n: number): number {
  return mix32((mix32(seed >>> 0) + Math.imul(n >>> 0, 0x9e3779b9)) | 0);
}

/** seededHash as a uniform number in [0, 1). */
export function seededUniform(seed: number, n: number): number {
  return seededHash(seed, n) / 2 ** 32;
}

/** FNV-1a over the string's UTF-16 code units, finalised with mix32 (FNV alone mixes poorly in the high bits). */
export function hashString32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Mixes a seed and a name into one 32-bit seed (FNV-1a over the name, starting from the seed). */
export function deriveSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
