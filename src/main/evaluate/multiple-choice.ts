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
 *
 * Tokens follow the harness too: context + continuation is encoded whole and the continuation
 * is what comes after the context's own encoding. A tokenizer can merge across the boundary
 * (last context token + first continuation token -> one token); then the two encodings part
 * before the context's end, and scoring starts where they part, so every token that is not the
 * context's own is scored and no context token is. BOS is prepended when the tokenizer's
 * configuration asks for it, as for corpus documents. A pair longer than the model's context
 * loses its oldest tokens (the harness's left truncation).
 */
import { UserError } from '../../shared/errors.js';
import type { TaskControl } from '../../shared/progress.js';
import type { QaItem } from '../data/index.js';
import type { BlockSource, ForwardEngine } from '../engine/forward-engine.js';
import type { ModelTokenizer } from '../model/tokenizer.js';
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

/** Tokens of one context + continuation pair, and where the continuation starts (see the module comment). */
export function choiceTokens(tokenizer: ModelTokenizer, context: string, continuation: string, maxTokens: number, where: string): ChoiceTokens {
  const prefix = tokenizer.addBos && tokenizer.bosId !== null ? [tokenizer.bosId] : [];
  const contextIds = [...prefix, ...tokenizer.encode(context, { addSpecial: false })];
  const whole = [...prefix, ...tokenizer.encode(context + continuation, { addSpecial: false })];
  let start = 0;
  while (start < contextIds.length && whole[start] === contextIds[start]) start++;
  const dropped = Math.max(0, whole.length - maxTokens);
  // The first scored token needs at least one token before it to be predicted from.
  if (start - dropped < 1) {
    throw new UserError(
      `${where}: the choice "${continuation.trim().slice(0, 40)}" takes ${whole.length - start} tokens, which leaves no room for the question within the model's limit of ${maxTokens} tokens. Shorten the choice.`,
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
  const sequences = questions.flatMap((q) => q.choices.map((c) => c.ids));
  const { tokenLogProbs } = await runInChunks(engine, sequences, { blockSequence }, control, 'Multiple choice');
  let next = 0;
  const scores = questions.map((q) => q.choices.map((c) => choiceLogLikelihood(tokenLogProbs[next++], c.start)));
  return multipleChoiceAccuracy(questions, scores);
}

/** Index of the largest value; the first one on ties. */
function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}
