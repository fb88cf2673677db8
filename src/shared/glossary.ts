/**
 * Every number the app and the report show, explained for someone who is not an ML engineer: what
 * it is, and what it means for them. One source for the Glossary dialog, the "what this means for
 * you" lines beside each result (Explain.vue) and the glossary section of report.html. Pure: the
 * renderer imports it too.
 */

export const GLOSSARY_TERMS = ['perplexity', 'angularDistance', 'blockInfluence', 'trainableShare', 'forgetting', 'qaAccuracy', 'corpusTokens'] as const;
export type GlossaryTerm = (typeof GLOSSARY_TERMS)[number];

export interface GlossaryEntry {
  term: GlossaryTerm;
  /** The name as the app shows it. */
  name: string;
  /** What the number is, in one or two plain sentences. */
  what: string;
  /** What it means for you: which way is good, and what to do about it. */
  forYou: string;
}

export const GLOSSARY: Record<GlossaryTerm, GlossaryEntry> = {
  perplexity: {
    term: 'perplexity',
    name: 'Perplexity',
    what: 'How surprised the model is by text it has not seen: roughly, among how many words it hesitates at each step. A perplexity of 20 means it is, on average, as unsure as if it had to pick among 20 equally likely words.',
    forYou:
      'Lower is better. On your documents ("domain"), it should fall after training: the model has learned your field. On everyday text ("general"), it should stay about the same: the model has not forgotten the rest.',
  },
  angularDistance: {
    term: 'angularDistance',
    name: 'Angular distance',
    what: 'How much a layer changes what passes through it, from 0 (leaves it untouched) to 1 (turns it around completely). Measured on your documents, one layer at a time.',
    forYou:
      'Layers with a small distance do little: they are the ones that can be removed with least harm. Layers with a large distance matter; new knowledge goes beside the shallow ones.',
  },
  blockInfluence: {
    term: 'blockInfluence',
    name: 'Block Influence',
    what: "Another way to measure how much a layer matters: one minus how alike the text's representation is before and after the layer, averaged over every word.",
    forYou: 'Read it like the angular distance: low means the layer changes little and is a candidate to remove; high means it does important work.',
  },
  trainableShare: {
    term: 'trainableShare',
    name: 'Trainable share',
    what: 'The part of the model that learns from your documents; everything else stays exactly as it was.',
    forYou:
      'A small share (a few percent to a quarter) protects what the model already knows and needs less memory and time. A larger share learns more but risks forgetting general ability.',
  },
  forgetting: {
    term: 'forgetting',
    name: 'Forgetting',
    what: 'How much worse the trained model does on everyday text and general questions than before training.',
    forYou:
      'Some is normal; past the limit you set (5 % by default) the model has lost general ability. If that happens: train fewer steps, lower the learning rate, or mix some general text back in (Corpus step, replay).',
  },
  qaAccuracy: {
    term: 'qaAccuracy',
    name: 'Question accuracy',
    what: 'The share of multiple-choice questions the model answers right, by picking the answer it finds most likely.',
    forYou: 'Higher is better. With four choices, 25 % is what guessing gets; on a few dozen questions, differences of a few points can be chance.',
  },
  corpusTokens: {
    term: 'corpusTokens',
    name: 'Tokens in your documents',
    what: 'The pieces of words the model reads: about three quarters of a word each in English.',
    forYou: 'More is better: a few million tokens teach a field; a few thousand can only show that the pipeline works.',
  },
};

/** Below this many tokens a corpus is too small to teach a field (it still shows that the pipeline works). */
export const SMALL_CORPUS_TOKENS = 1_000_000;

const pct = (x: number) => `${Math.abs(x).toFixed(1)} %`;

/** The line beside a before/after perplexity: what the change means, and what to try when it went the wrong way. */
export function perplexityMeaning(kind: 'domain' | 'general', before: number, after: number, forgettingLimit: number): string {
  const change = ((after - before) / before) * 100;
  if (kind === 'domain') {
    if (change < 0) return `The model now predicts text of your field better (perplexity ${pct(change)} lower): it has learned from your documents.`;
    return `Your field got worse or did not improve (perplexity ${pct(change)} ${change > 0 ? 'higher' : 'unchanged'}). Try next: train more steps, add more documents, or raise the learning rate a little.`;
  }
  if (change / 100 > forgettingLimit) {
    return `General ability got worse by ${pct(change)}, past your limit of ${pct(forgettingLimit * 100)}: the model forgot some of what it knew. Try next: fewer steps, a lower learning rate, or replay some general text (Corpus step).`;
  }
  return `General ability held (perplexity ${change >= 0 ? '+' : '−'}${pct(change)}, within your limit of ${pct(forgettingLimit * 100)}): the model has not forgotten what it knew.`;
}

/** The line beside the trainable share of a plan. */
export function trainableShareMeaning(share: number): string {
  const p = `${(share * 100).toFixed(1)} %`;
  if (share > 0.5) return `${p} of the model will learn: most of it. This can forget general ability; the S strategy trains far less.`;
  return `Only ${p} of the model will learn; the rest stays exactly as it was, which protects what it already knows.`;
}

/** The line beside a corpus's size; says what to do when it is too small to matter. */
export function corpusSizeMeaning(tokens: number): string {
  if (tokens < SMALL_CORPUS_TOKENS) {
    return `${tokens.toLocaleString('en-US')} tokens is too small to teach the model a field: it shows that everything works, not what your field needs. Try next: add more documents (aim for a few million tokens).`;
  }
  return `${tokens.toLocaleString('en-US')} tokens is enough to teach the model something of your field; more documents teach more.`;
}
