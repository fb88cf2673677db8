/**
 * Multiple-choice QA by log-likelihood, the lm-evaluation-harness convention (ARC, HellaSwag,
 * MMLU, ...). For each question and each choice k:
 *   context       c   = "Question: {question}\nAnswer:"
 *   continuation  y^k = " {choice_k}"
 *   score_k = sum_j ln p(y^k_j | c, y^k_<j)        (natural log, over the choice's tokens)
 *   prediction      = argmax_k score_k
 *   prediction_norm = argmax_k score_k / characters(choice_k)
 * accuracy / accuracyNorm = share of questions whose prediction is the answer. characters() is
 * the harness's len(choice) in Python: Unicode code points of the choice text without the
 * leading space (not bytes, not tokens). Ties go to the first choice, as numpy's argmax.
 * Other task templates (tasks/templates.ts) build other contexts and continuations and are
 * scored by the same functions.
 *
 * Tokens follow the harness's _encode_pair exactly: whitespace at the end of the context moves
 * to the front of the continuation; context + continuation is encoded whole, the context alone,
 * and the continuation is what follows the context's length in the whole encoding; the model
 * reads the context's own tokens, then those. An empty context is the prefix token alone (BOS,
 * else EOS). BOS: see BosPolicy. A pair longer than the model's context loses its oldest tokens
 * (the harness's left truncation).
 */
import { UserError } from '../../shared/errors.js';
import type { TaskControl } from '../../shared/progress.js';
import type { QaItem } from '../data/index.js';
import type { BlockSource, ForwardEngine } from '../engine/forward-engine.js';
import type { ModelTokenizer } from '../model/tokenizer.js';
import type { BosPolicy } from '../../shared/evaluation.js';
import { runInChunks } from './chunked-run.js';
import type { MultipleChoiceResult } from '../../shared/evaluation.js';

export interface ChoiceTokens {
  /** Context and continuation tokens, as the model reads them. */
  ids: Int32Array;
  /** Position in ids of the first continuation (scored) token; at least 1. */
  start: number;
}

export interface PreparedQuestion {
  /** "file:line" of the question. */
  source: string;
  answer: number;
  choices: ChoiceTokens[];
  /** Code points of each choice's text: the length normalisation. */
  characters: number[];
}

export type { MultipleChoiceResult } from '../../shared/evaluation.js';

export function questionContext(question: string): string {
  return `Question: ${question}\nAnswer:`;
}

export function choiceContinuation(choice: string): string {
  return ` ${choice}`;
}

/**
 * The harness's tok_encode: the tokenizer's own special tokens ("tokenizer", the harness's
 * default since v0.4.9.1), BOS always, or no special token ("never", the default of harness
 * versions up to 0.4.9). Text that already starts with the BOS token's text gets no second one.
 */
export function encodeText(tokenizer: ModelTokenizer, text: string, bos: BosPolicy): number[] {
  const bosText = tokenizer.bosId === null ? null : tokenizer.decode([tokenizer.bosId]);
  const hasBos = bosText !== null && bosText !== '' && text.startsWith(bosText);
  if (bos === 'tokenizer') return tokenizer.encode(text, { addSpecial: !hasBos });
  const ids = tokenizer.encode(text, { addSpecial: false });
  return bos === 'always' && tokenizer.bosId !== null && !hasBos ? [tokenizer.bosId, ...ids] : ids;
}

/** The harness's context and continuation tokens of one pair (see the module comment). */
export function encodePair(tokenizer: ModelTokenizer, context: string, continuation: string, bos: BosPolicy): { context: number[]; continuation: number[] } {
  if (context === '') {
    const prefix = tokenizer.bosId ?? tokenizer.eosId;
    const ids = tokenizer.encode(continuation, { addSpecial: false });
    if (prefix === null) return { context: ids.slice(0, 1), continuation: ids.slice(1) };
    return prefix !== ids[0] ? { context: [prefix], continuation: ids } : { context: ids.slice(0, 1), continuation: ids.slice(1) };
  }
  const trimmed = context.trimEnd();
  const moved = context.slice(trimmed.length);
  const whole = encodeText(tokenizer, trimmed + moved + continuation, bos);
  const contextIds = encodeText(tokenizer, trimmed, bos);
  return { context: contextIds, continuation: whole.slice(contextIds.length) };
}

/** Tokens of one context + continuation pair, and where the continuation starts (see the module comment). */
export function choiceTokens(
  tokenizer: ModelTokenizer,
  context: string,
  continuation: string,
  maxTokens: number,
  where: string,
  bos: BosPolicy = 'tokenizer',
): ChoiceTokens {
  const pair = encodePair(tokenizer, context, continuation, bos);
  const what = `"${continuation.trim().slice(0, 40)}"`;
  if (pair.continuation.length === 0) {
    throw new UserError(`${where}: the choice ${what} adds no token of its own after the question (the tokenizer merges it into the question's last token).`);
  }
  const whole = [...pair.context, ...pair.continuation];
  const dropped = Math.max(0, whole.length - maxTokens);
  const start = pair.context.length;
  // The first scored token needs at least one token before it to be predicted from.
  if (start - dropped < 1) {
    throw new UserError(
      `${where}: the choice ${what} takes ${pair.continuation.length} tokens, which leaves no room for the question within the model's limit of ${maxTokens} tokens. Shorten the choice.`,
    );
  }
  return { ids: Int32Array.from(whole.slice(dropped)), start: start - dropped };
}

export function prepareQuestions(items: readonly QaItem[], tokenizer: ModelTokenizer, maxTokens: number): PreparedQuestion[] {
  return items.map((item) => {
    const context = questionContext(item.question);
    return {
      source: item.source,
      answer: item.answer,
      choices: item.choices.map((choice) => choiceTokens(tokenizer, context, choiceContinuation(choice), maxTokens, item.source)),
      characters: item.choices.map((choice) => Array.from(choice).length),
    };
  });
}

/** score_k of one choice: the sum of its tokens' log-probabilities (tokenLogProbs[t] predicts token t + 1). */
export function choiceLogLikelihood(tokenLogProbs: ArrayLike<number>, start: number): number {
  let sum = 0;
  for (let t = start - 1; t < tokenLogProbs.length; t++) sum += tokenLogProbs[t];
  return sum;
}

export function multipleChoiceAccuracy(questions: readonly PreparedQuestion[], scores: readonly (readonly number[])[]): MultipleChoiceResult {
  let correct = 0;
  let correctNorm = 0;
  questions.forEach((q, i) => {
    if (argmax(scores[i]) === q.answer) correct++;
    if (argmax(scores[i].map((s, k) => s / q.characters[k])) === q.answer) correctNorm++;
  });
  return { accuracy: correct / questions.length, accuracyNorm: correctNorm / questions.length, items: questions.length };
}

export async function scoreMultipleChoice(
  engine: ForwardEngine,
  questions: readonly PreparedQuestion[],
  blockSequence: readonly BlockSource[] | undefined,
  control: TaskControl,
): Promise<MultipleChoiceResult> {
  const scores = await scoreLogLikelihoods(
    engine,
    questions.map((q) => q.choices),
    blockSequence,
    control,
  );
  return multipleChoiceAccuracy(questions, scores);
}

/** score_k of every pair, grouped as given (one group per question). */
export async function scoreLogLikelihoods(
  engine: ForwardEngine,
  groups: readonly (readonly ChoiceTokens[])[],
  blockSequence: readonly BlockSource[] | undefined,
  control: TaskControl,
): Promise<number[][]> {
  const sequences = groups.flatMap((g) => g.map((c) => c.ids));
  const { tokenLogProbs } = await runInChunks(engine, sequences, { blockSequence }, control, 'Multiple choice');
  let next = 0;
  return groups.map((g) => g.map((c) => choiceLogLikelihood(tokenLogProbs[next++], c.start)));
}

/** Index of the largest value; the first one on ties (numpy's argmax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
