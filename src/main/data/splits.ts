/**
 * The four parts of a built corpus: the domain documents split into train and validation, and
 * the general-text holdout (for forgetting checks) split the same way. Each group is split on
 * its own (holdout.ts), so adding general text never moves a domain document between sides.
 */
import { chooseValidation } from './holdout.js';
import { GENERAL_TEXT } from './token-cache.js';
import type { CorpusSplit } from '../../shared/corpus.js';

export type { CorpusSplit } from '../../shared/corpus.js';
export const CORPUS_SPLITS: readonly CorpusSplit[] = ['train', 'validation', 'general-train', 'general-validation'];

/** The split of every document, from its flags (documents.bin) and the split settings. */
export function assignSplits(flags: ArrayLike<number>, validationFraction: number, seed: number): CorpusSplit[] {
  const groups = [0, 1].map((general) => {
    const members: number[] = [];
    for (let i = 0; i < flags.length; i++) if (((flags[i] & GENERAL_TEXT) !== 0) === (general === 1)) members.push(i);
    return members;
  });
  const out = new Array<CorpusSplit>(flags.length);
  groups.forEach((members, general) => {
    const held = chooseValidation(members.length, validationFraction, seed);
    members.forEach((doc, k) => {
      out[doc] = general ? (held[k] ? 'general-validation' : 'general-train') : held[k] ? 'validation' : 'train';
    });
  });
  return out;
}
