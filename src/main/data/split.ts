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
  const order = Array.from({ length: documents }, (_, i) => i);
  const key = order.map((i) => seededHash(seed, i));
  // Ties (hash collisions) fall back to the index, so the order is total.
  order.sort((a, b) => key[a] - key[b] || a - b);
  for (let k = 0; k < count; k++) inValidation[order[k]] = 1;
  return inValidation;
}
