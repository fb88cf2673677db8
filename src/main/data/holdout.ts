/**
 * Train / validation split by whole documents, so that no validation text was seen in training.
 * The validation set is the round(n * fraction) documents with the smallest seeded hash of their
 * index: a seeded random subset of exactly that size, the same for the same seed and corpus.
 * With two or more documents each side gets at least one.
 */
import { seededHash } from './hash32.js';

export function validationCount(documents: number, fraction: number): number {
  if (documents < 2 || fraction <= 0) return 0;
  return Math.min(documents - 1, Math.max(1, Math.round(documents * fraction)));
}

/** inValidation[i] = 1 when document i (0-based, in corpus order) is held out for validation. */
export function chooseValidation(documents: number, fraction: number, seed: number): Uint8Array {
  const inValidation = new Uint8Array(documents);
  const count = validationCount(documents, fraction);
  if (count === 0) return inValidation;
  const keys = new Uint32Array(documents);
  for (let i = 0; i < documents; i++) keys[i] = seededHash(seed, i);
  // The count-th smallest key is the cut: keys below it are in; ties at the cut (hash collisions)
  // are taken in index order. A native sort of the keys keeps this fast for millions of documents.
  const cut = keys.slice().sort()[count - 1];
  let taken = 0;
  for (let i = 0; i < documents; i++) {
    if (keys[i] < cut) {
      inValidation[i] = 1;
      taken++;
    }
  }
  for (let i = 0; i < documents && taken < count; i++) {
    if (keys[i] === cut) {
      inValidation[i] = 1;
      taken++;
    }
  }
  return inValidation;
}
