/**
 * `evaluateModel` against the float64 reference: perplexity = exp(mean NLL of every predicted
 * token), on token-id data and on text tokenised by the data reader; multiple-choice accuracy
 * on a handmade QA set; recorded settings; the sequence-length limit.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSequences, readQa } from '../../../src/main/data/index.js';
import { evaluateModel, perplexityOf } from '../../../src/main/evaluate/index.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { referencePerplexity, referenceQaAccuracy, writeFixtureModel, writeInputIds, type QaQuestion } from '../analysis/fixture.js';
import { randomSequences, type MemoryModel } from '../engine/random-model.js';

const QUESTIONS: QaQuestion[] = [
  { question: 'What reads the text one token at a time?', choices: ['a model', 'the lazy dog'], answer: 0 },
  { question: 'Which language is "Ein kleiner Text"?', choices: ['Deutsch', 'français', 'español'], answer: 0 },
  { question: 'What does train() return?', choices: ['model', 'loss', 'data', 'steps'], answer: 0 },
  { question: 'Which value is pi?', choices: ['2024', '3.14159', '42'], answer: 1 },
  { question: 'What comes after the merges?', choices: ['th, he, in', 'naïve über café'], answer: 1 },
];
const TEXT = 'The quick brown fox jumps over the lazy dog. Layers near the input learn the shape of words.\n'.repeat(6);

let cleanup: () => Promise<void>;
let model: MemoryModel;
let modelDir: string;
let dir: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-eval-'));
  modelDir = join(dir, 'model');
  model = await writeFixtureModel(modelDir, { layers: 3, seed: 12, maxPositionEmbeddings: 48 });
});
afterAll(() => cleanup());

describe('evaluateModel', () => {
  it('perplexity is exp of the reference mean NLL over every predicted token; QA accuracy is the reference argmax', async () => {
    const sequences = randomSequences(4, [12, 5, 12, 2], 360, 3);
    const data = join(dir, 'ids.jsonl');
    const qa = join(dir, 'qa.jsonl');
    await writeInputIds(data, sequences);
    await writeFile(qa, QUESTIONS.map((q) => JSON.stringify(q)).join('\n'));
    const result = await evaluateModel(modelDir, { data, qa, seqLen: 12, threads: 1 });

    const expected = referencePerplexity(model, sequences);
    expect(result.tokens).toBe(11 + 4 + 11 + 1);
    expect(Math.abs(result.meanNll - expected.meanNll)).toBeLessThan(1e-5);
    expect(result.perplexity).toBe(Math.exp(result.meanNll));
    expect(Math.abs(result.perplexity / expected.perplexity - 1)).toBeLessThan(1e-5);
    const expectedQa = referenceQaAccuracy(model, await ModelTokenizer.load(modelDir), QUESTIONS);
    expect(result.qa).toEqual({ ...expectedQa, items: QUESTIONS.length });
    expect(result).toMatchObject({ seqLen: 12, samples: 4, seed: 0, qaHash: (await readQa(qa)).hash, model: { dir: modelDir, layers: 3 } });
    expect(result.dataHash).toBe((await loadSequences(data, null, { seqLen: 12, vocabSize: 360 })).dataHash);
  });

  it('reads text with the model tokenizer, defaults the sequence length to the model context, and samples with a seed', async () => {
    const data = join(dir, 'text.txt');
    await writeFile(data, TEXT);
    const tokenizer = await ModelTokenizer.load(modelDir);
    const result = await evaluateModel(modelDir, { data, samples: 3, seed: 5, threads: 1 });
    // 512 capped at max_position_embeddings = 48.
    expect(result.seqLen).toBe(48);
    expect(result.qa).toBeNull();
    const loaded = await loadSequences(data, tokenizer, { seqLen: 48, samples: 3, seed: 5 });
    expect(result.samples).toBe(3);
    expect(result.dataHash).toBe(loaded.dataHash);
    const expected = referencePerplexity(
      model,
      loaded.sequences.map((s) => [...s]),
    );
    expect(Math.abs(result.meanNll - expected.meanNll)).toBeLessThan(1e-5);
  });

  it('refuses a sequence length above max_position_embeddings', async () => {
    const data = join(dir, 'text.txt');
    await expect(evaluateModel(modelDir, { data, seqLen: 49 })).rejects.toThrow(/sequence length 49 is more than the model's limit of 48 tokens/);
  });
});

describe('perplexityOf', () => {
  it('pools every token (not per-sequence means) and refuses data with nothing to predict', () => {
    const r = perplexityOf([Float32Array.of(Math.log(0.5), Math.log(0.25)), Float32Array.of(Math.log(0.125)), new Float32Array(0)]);
    expect(r.tokens).toBe(3);
    expect(r.meanNll).toBeCloseTo((Math.log(2) + Math.log(4) + Math.log(8)) / 3, 6);
    expect(r.perplexity).toBeCloseTo(4, 5); // (2 * 4 * 8)^(1/3)
    expect(() => perplexityOf([new Float32Array(0)])).toThrow(/nothing to predict/);
  });
});
