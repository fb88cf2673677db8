/**
 * Generation: the greedy chain equals the float64 reference's argmax chain; sampling follows
 * the stated distribution (temperature, top-k, top-p) and a seed fixes the text; generation
 * stops at end-of-text, at the token budget and when the context is full.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForwardEngine, type ForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { chooseToken, generateText, generateTokens, type GenerateOptions } from '../../../src/main/evaluate/index.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { referenceForward } from '../engine/reference-forward.js';
import { randomModel, tinyConfig, type MemoryModel } from '../engine/random-model.js';
import { writeFixtureModel } from '../analysis/fixture.js';
import { blockTensorName, blockTensorSpecs } from '../../../src/main/model/tensors.js';

const GREEDY: GenerateOptions = { maxTokens: 6, temperature: 0, topK: 0, topP: 1, seed: 0 };

/** The reference's most likely next token after `ids`. */
function referenceArgmax(model: MemoryModel, ids: number[]): number {
  const m = model.description;
  const blocks = Array.from({ length: m.layers }, (_, l) => new Map(blockTensorSpecs(m).map((s) => [s.name, model.tensors.get(blockTensorName(l, s.name))!])));
  const logits = referenceForward(m, model.tensors, blocks, ids).logits.subarray((ids.length - 1) * m.vocabSize);
  return logits.indexOf(Math.max(...logits));
}

describe('generateText', () => {
  let cleanup: () => Promise<void>;
  let modelDir: string;
  let model: MemoryModel;
  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('slayer-generate-'));
    modelDir = join(dir, 'model');
    model = await writeFixtureModel(modelDir, { layers: 2, seed: 21 });
  });
  afterAll(() => cleanup());

  it('greedy: BOS + prompt, then the reference argmax chain, decoded without special tokens', async () => {
    const tokenizer = await ModelTokenizer.load(modelDir);
    const result = await generateText(modelDir, 'The quick brown', { ...GREEDY, threads: 1 });
    expect(result.promptTokens).toEqual([tokenizer.bosId, ...tokenizer.encode('The quick brown', { addSpecial: false })]);
    const ids = [...result.promptTokens];
    const expected: number[] = [];
    while (expected.length < GREEDY.maxTokens) {
      const next = referenceArgmax(model, ids);
      ids.push(next);
      expected.push(next);
      if (next === tokenizer.eosId) break;
    }
    expect(result.tokens).toEqual(expected);
    expect(result.stopReason).toBe(expected.at(-1) === tokenizer.eosId ? 'eos' : 'max-tokens');
    expect(result.text).toBe(tokenizer.decode(expected, { skipSpecial: true }));
    expect(result).toMatchObject({ prompt: 'The quick brown', seed: 0, temperature: 0, provider: 'cpu' });
  });

  it('takes BOS alone as a prompt and refuses bad sampling settings', async () => {
    const result = await generateText(modelDir, '', { ...GREEDY, maxTokens: 1, threads: 1 });
    expect(result.promptTokens).toHaveLength(1); // BOS alone is a prompt
    await expect(generateText(modelDir, 'x', { ...GREEDY, topP: 0 })).rejects.toThrow(/top-p must be above 0/);
  });
});

describe('generateTokens', () => {
  const model = randomModel(tinyConfig({ max_position_embeddings: 12 }), 5);
  let engine: ForwardEngine;
  beforeAll(async () => {
    engine = await createForwardEngine(model, { threads: 1 });
  });
  afterAll(() => engine.dispose());
  const prompt = [3, 14, 15, 9];

  it('a seed fixes a sampled generation; another seed gives another one', async () => {
    const options: GenerateOptions = { maxTokens: 8, temperature: 1.5, topK: 0, topP: 1, seed: 7 };
    const a = await generateTokens(engine, prompt, options, new Set());
    const b = await generateTokens(engine, prompt, options, new Set());
    const c = await generateTokens(engine, prompt, { ...options, seed: 8 }, new Set());
    expect(a.tokens).toHaveLength(8);
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
  });

  it('stops at an end-of-text token (kept in the output) and when the context is full', async () => {
    const greedy = await generateTokens(engine, prompt, GREEDY, new Set());
    const stop = greedy.tokens[2];
    const stopped = await generateTokens(engine, prompt, GREEDY, new Set([stop]));
    expect(stopped).toEqual({ tokens: greedy.tokens.slice(0, greedy.tokens.indexOf(stop) + 1), stopReason: 'eos' });
    const full = await generateTokens(engine, prompt, { ...GREEDY, maxTokens: 20 }, new Set());
    expect(full).toEqual({ tokens: full.tokens.slice(0, 12 - prompt.length), stopReason: 'context-full' });
    expect(full.tokens.slice(0, 6)).toEqual(greedy.tokens);
  });
});

describe('chooseToken', () => {
  // Probabilities 0.1, 0.2, 0.3, 0.4 at temperature 1; most likely first: ids 3, 2, 1, 0 (cumulative .4, .7, .9, 1).
  const logits = [1, 2, 3, 4].map(Math.log);
  const sample = (u: number, o: Partial<GenerateOptions> = {}) => chooseToken(logits, { temperature: 1, topK: 0, topP: 1, ...o }, u);

  it('greedy takes the largest logit, the lowest id on ties', () => {
    expect(chooseToken([0, 5, 1, 5], { temperature: 0, topK: 0, topP: 1 }, 0.99)).toBe(1);
  });

  it('walks the cumulative probabilities, most likely first', () => {
    expect([0, 0.39, 0.41, 0.69, 0.71, 0.89, 0.91, 0.999].map((u) => sample(u))).toEqual([3, 3, 2, 2, 1, 1, 0, 0]);
  });

  it('top-k and top-p renormalise over the tokens they keep', () => {
    // top-2: 0.4/0.7 and 0.3/0.7
    expect([0.56, 0.58].map((u) => sample(u, { topK: 2 }))).toEqual([3, 2]);
    // top-p 0.6 keeps 0.4 + 0.3 (the smallest set reaching 0.6): the same two tokens
    expect([0.56, 0.58].map((u) => sample(u, { topP: 0.6 }))).toEqual([3, 2]);
    // top-p 0.4 is reached by the first token alone
    expect(sample(0.99, { topP: 0.4 })).toBe(3);
  });

  it('temperature T scales the logits: p_i ∝ exp(z_i / T)', () => {
    const weights = [1, 2, 3, 4].map((w) => Math.sqrt(w)); // T = 2
    const total = weights.reduce((a, b) => a + b, 0);
    const firstMass = weights[3] / total;
    expect(sample(firstMass - 1e-9, { temperature: 2 })).toBe(3);
    expect(sample(firstMass + 1e-9, { temperature: 2 })).toBe(2);
  });
});
