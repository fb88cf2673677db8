/**
 * Multiple-choice details: accuracy from scores (ties, per-character normalisation by code
 * points), and the tokens a choice is scored on: exactly those after the context, also when the
 * tokenizer merges across the boundary, and with left truncation at the model's limit.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  choiceLogLikelihood,
  choiceTokens,
  encodePair,
  encodeText,
  multipleChoiceAccuracy,
  type PreparedQuestion,
} from '../../../src/main/evaluate/multiple-choice.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';

function question(answer: number, choices: string[]): PreparedQuestion {
  return { source: 'qa.jsonl:1', answer, choices: choices.map(() => ({ ids: new Int32Array(2), start: 1 })), characters: choices.map((c) => [...c].length) };
}

describe('multipleChoiceAccuracy', () => {
  it('takes the argmax (first on ties) and, normalised, the argmax of score per character', () => {
    const questions = [
      question(1, ['a', 'bbbb']), // raw: a wins (-2 > -4); per character: -2 vs -1 -> bbbb
      question(0, ['x', 'y']), // a tie goes to the first choice
      question(1, ['éé', 'ab']), // "éé" is 2 characters (4 bytes): -3/2 vs -2.8/2 -> ab, as is raw
    ];
    const scores = [
      [-2, -4],
      [-1, -1],
      [-3, -2.8],
    ];
    expect(multipleChoiceAccuracy(questions, scores)).toEqual({ accuracy: 2 / 3, accuracyNorm: 1, items: 3 });
  });

  it('sums the log-probs that predict the continuation tokens', () => {
    // tokens t0 t1 t2 t3, continuation from t2: log p(t2 | t0 t1) + log p(t3 | t0..t2) = lp[1] + lp[2]
    expect(choiceLogLikelihood([-0.5, -1, -2], 2)).toBe(-3);
  });
});

describe('choiceTokens', () => {
  let cleanup: () => Promise<void>;
  let tokenizer: ModelTokenizer;
  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('slayer-mc-'));
    // Merges learned from "Paris" (and nothing with "Par" alone) make "▁Paris" one token.
    await generateTestModel(join(dir, 'model'), {
      layers: 1,
      hiddenSize: 8,
      intermediateSize: 16,
      heads: 2,
      vocabSize: 400,
      seed: 1,
      tokenizerText: 'Paris Paris Paris Paris is in France. Question Answer',
    });
    tokenizer = await ModelTokenizer.load(join(dir, 'model'));
  });
  afterAll(() => cleanup());

  it("scores every token after the context's own encoding, as the harness's _encode_pair does, also when a token spans the boundary", () => {
    const enc = (t: string) => tokenizer.encode(t, { addSpecial: false });
    const plain = choiceTokens(tokenizer, 'Question: where?\nAnswer:', ' Paris', 100, 'qa.jsonl:1');
    const context = [tokenizer.bosId!, ...enc('Question: where?\nAnswer:')];
    expect(Array.from(plain.ids.subarray(0, plain.start))).toEqual(context);
    expect(tokenizer.decode(Array.from(plain.ids.subarray(plain.start)))).toBe('Paris');

    // "Answer: Par" + "is": the whole encoding ("▁Paris") is no longer than the context's own ("▁Par" pieces), so
    // whole[len(context):] holds nothing to score: the harness would score an empty continuation; this refuses it.
    const whole = [tokenizer.bosId!, ...enc('Answer: Paris')];
    const alone = [tokenizer.bosId!, ...enc('Answer: Par')];
    expect(whole.length).toBeLessThanOrEqual(alone.length);
    expect(() => choiceTokens(tokenizer, 'Answer: Par', 'is', 100, 'qa.jsonl:2')).toThrow(/^qa\.jsonl:2: the choice "is" adds no token of its own/);

    // Whitespace at the end of the context moves to the continuation: ("Answer: ", "Paris") reads as ("Answer:", " Paris").
    const spaced = choiceTokens(tokenizer, 'Question: where?\nAnswer: ', 'Paris', 100, 'qa.jsonl:3');
    expect(Array.from(spaced.ids)).toEqual(Array.from(plain.ids));
    expect(spaced.start).toBe(plain.start);
  });

  it('puts BOS as the tokenizer says, always, or never, and uses it alone as the context of an empty one', () => {
    const bos = tokenizer.bosId!;
    const enc = (t: string) => tokenizer.encode(t, { addSpecial: false });
    expect(encodeText(tokenizer, 'Answer:', 'never')).toEqual(enc('Answer:'));
    expect(encodeText(tokenizer, 'Answer:', 'always')).toEqual([bos, ...enc('Answer:')]);
    expect(encodeText(tokenizer, 'Answer:', 'tokenizer')).toEqual(tokenizer.addBos ? [bos, ...enc('Answer:')] : enc('Answer:'));
    const none = choiceTokens(tokenizer, 'Question: where?\nAnswer:', ' Paris', 100, 'qa.jsonl:1', 'never');
    expect(Array.from(none.ids)).toEqual([
      ...enc('Question: where?\nAnswer:'),
      ...enc('Question: where?\nAnswer: Paris').slice(enc('Question: where?\nAnswer:').length),
    ]);
    expect(encodePair(tokenizer, '', ' Paris', 'tokenizer')).toEqual({ context: [bos], continuation: enc(' Paris') });
  });

  it('drops the oldest tokens beyond the limit, and refuses a choice that leaves no room for the question', () => {
    const full = choiceTokens(tokenizer, 'Question: where is it?\nAnswer:', ' Paris', 100, 'qa.jsonl:1');
    const cut = choiceTokens(tokenizer, 'Question: where is it?\nAnswer:', ' Paris', 5, 'qa.jsonl:1');
    expect(Array.from(cut.ids)).toEqual(Array.from(full.ids.subarray(full.ids.length - 5)));
    expect(cut.ids.length - cut.start).toBe(full.ids.length - full.start);
    const choiceLength = full.ids.length - full.start;
    expect(() => choiceTokens(tokenizer, 'Question: where is it?\nAnswer:', ' Paris', choiceLength, 'qa.jsonl:7')).toThrow(
      /^qa\.jsonl:7: the choice "Paris" takes/,
    );
  });
});
