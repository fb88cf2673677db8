/**
 * Multiple-choice cloze questions from a text: a passage is cut before a content word, and the
 * choices are that word and three others of similar length from the same domain. The
 * lm-evaluation-harness scores each choice by its log-likelihood after the passage, so a model
 * that has absorbed the domain's language ranks the true word higher.
 */
import { seededHash } from '../../main/data/hash32.js';

export interface QaItem {
  question: string;
  choices: string[];
  answer: number;
}

const WORD = /[A-Za-z][A-Za-z0-9_]{3,}/g;
const CONTEXT_CHARS = 240;

/** Words worth asking about: frequent enough in the domain to be learnable, not stop words. */
export function domainVocabulary(texts: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const m of t.matchAll(WORD)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return [...counts]
    .filter(([, c]) => c >= 3)
    .map(([w]) => w)
    .sort();
}

export function clozeItems(texts: readonly string[], vocabulary: readonly string[], count: number, seed: number): QaItem[] {
  const vocab = new Set(vocabulary);
  const items: QaItem[] = [];
  const used = new Set<string>();
  for (let n = 0; items.length < count && n < count * 200; n++) {
    const text = texts[seededHash(seed, 2 * n) % texts.length];
    const matches = [...text.matchAll(WORD)].filter((m) => m.index! > CONTEXT_CHARS / 2 && vocab.has(m[0]));
    if (!matches.length) continue;
    const target = matches[seededHash(seed, 2 * n + 1) % matches.length];
    const start = Math.max(0, target.index! - CONTEXT_CHARS);
    // Start the passage at a word boundary and keep it on one line for readability.
    const context = text
      .slice(start, target.index!)
      .replace(/^\S*\s/, '')
      .replace(/\s+/g, ' ')
      .trimEnd();
    if (used.has(context) || context.length < 40) continue;
    const distractors = pickDistractors(target[0], vocabulary, seed ^ n);
    if (distractors.length < 3) continue;
    used.add(context);
    const answer = seededHash(seed + 7, n) % 4;
    const choices = [...distractors];
    choices.splice(answer, 0, target[0]);
    items.push({ question: context, choices, answer });
  }
  return items;
}

function pickDistractors(target: string, vocabulary: readonly string[], seed: number): string[] {
  const lower = target.toLowerCase();
  const similar = vocabulary.filter(
    (w) => Math.abs(w.length - target.length) <= 1 && w.toLowerCase() !== lower && (w[0] === w[0].toUpperCase()) === (target[0] === target[0].toUpperCase()),
  );
  const out: string[] = [];
  for (let k = 0; out.length < 3 && k < 50 && similar.length; k++) {
    const w = similar[seededHash(seed, k) % similar.length];
    if (!out.includes(w)) out.push(w);
  }
  return out;
}
