/**
 * Drop-one and insert-one probes against float64 reference runs with the same block lists:
 * perplexity and multiple-choice accuracy of every variant, the baseline, the average-init
 * fallback after the last layer, and an identity block that can be dropped for free.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeLayers, type ProbeResult } from '../../../src/main/analysis/index.js';
import { readQa } from '../../../src/main/data/index.js';
import type { BlockSource } from '../../../src/main/engine/forward-engine.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { randomSequences, type MemoryModel } from '../engine/random-model.js';
import { allLayers, referencePerplexity, referenceQaAccuracy, writeFixtureModel, writeInputIds, type QaQuestion } from './fixture.js';

const QUESTIONS: QaQuestion[] = [
  { question: 'Which animal jumps over the lazy dog?', choices: ['the quick brown fox', 'a model', 'the tokenizer'], answer: 0 },
  { question: 'What do layers near the input learn?', choices: ['the shape of words', 'what comes next'], answer: 0 },
  { question: 'Where are new blocks added?', choices: ['shallow layers', 'deep layers', 'nowhere', 'café'], answer: 0 },
  { question: 'What does one merge make?', choices: ['th', 'über naïve'], answer: 1 },
];

const LAYERS = 4;
const SEQUENCES = randomSequences(3, [9, 6, 9], 360, 41);

let cleanup: () => Promise<void>;
let model: MemoryModel;
let modelDir: string;
let dataFile: string;
let qaFile: string;
let tokenizer: ModelTokenizer;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir('slayer-probe-'));
  modelDir = join(dir, 'model');
  model = await writeFixtureModel(modelDir, { layers: LAYERS, seed: 8, identityBlocks: [1] });
  tokenizer = await ModelTokenizer.load(modelDir);
  dataFile = join(dir, 'held-out.jsonl');
  await writeInputIds(dataFile, SEQUENCES);
  qaFile = join(dir, 'qa.jsonl');
  await writeFile(qaFile, QUESTIONS.map((q) => JSON.stringify(q)).join('\n'));
});
afterAll(() => cleanup());

function expectMatchesReference(result: ProbeResult, layouts: BlockSource[][]): void {
  const baseline = referencePerplexity(model, SEQUENCES);
  expect(result.baseline.perplexity).toBeCloseTo(baseline.perplexity, 4);
  expect(Math.abs(result.baseline.meanNll - baseline.meanNll)).toBeLessThan(1e-5);
  expect(result.baseline.qaAccuracy).toBe(referenceQaAccuracy(model, tokenizer, QUESTIONS).accuracy);
  expect(result.layers).toHaveLength(LAYERS);
  result.layers.forEach((layer, i) => {
    const expected = referencePerplexity(model, SEQUENCES, layouts[i]);
    expect(layer.index).toBe(i);
    expect(Math.abs(layer.meanNll - expected.meanNll), `layer ${i}`).toBeLessThan(1e-5);
    expect(Math.abs(layer.perplexity / expected.perplexity - 1), `layer ${i}`).toBeLessThan(1e-5);
    const qa = referenceQaAccuracy(model, tokenizer, QUESTIONS, layouts[i]);
    expect(layer.qaAccuracy, `layer ${i}`).toBe(qa.accuracy);
    expect(layer.qaAccuracyNorm, `layer ${i}`).toBe(qa.accuracyNorm);
  });
}

describe('probeLayers', () => {
  it('drop: each variant equals the reference without that block; dropping the identity block changes nothing', async () => {
    const result = await probeLayers(modelDir, { kind: 'drop', data: dataFile, qa: qaFile, seqLen: 16, threads: 1 });
    const layers = allLayers(model.description);
    expectMatchesReference(
      result,
      layers.map((i) => layers.filter((j) => j !== i)),
    );
    expect(result.layers[1].meanNll).toBe(result.baseline.meanNll);
    expect(result.layers[0].meanNll).not.toBe(result.baseline.meanNll);
    const qa = await readQa(qaFile);
    expect(result).toMatchObject({ kind: 'drop', init: null, seqLen: 16, samples: 3, seed: 0, qaHash: qa.hash, qaItems: 4, tokens: 21, notes: [] });
    expect(result.dataHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('insert, copy: an extra copy of block i after it', async () => {
    const result = await probeLayers(modelDir, { kind: 'insert', init: 'copy', data: dataFile, qa: qaFile, seqLen: 16, threads: 1 });
    const layers = allLayers(model.description);
    expectMatchesReference(
      result,
      layers.map((i) => [...layers.slice(0, i + 1), i, ...layers.slice(i + 1)]),
    );
    expect(result.layers.map((l) => l.init)).toEqual(['copy', 'copy', 'copy', 'copy']);
  });

  it('insert, average: the mean of blocks i and i+1, a copy after the last block (and a note says so)', async () => {
    const result = await probeLayers(modelDir, { kind: 'insert', init: 'average', data: dataFile, seqLen: 16, threads: 1 });
    const layers = allLayers(model.description);
    const layouts = layers.map((i): BlockSource[] => [...layers.slice(0, i + 1), i + 1 < LAYERS ? { mean: [i, i + 1] } : i, ...layers.slice(i + 1)]);
    result.layers.forEach((layer, i) => {
      expect(Math.abs(layer.meanNll - referencePerplexity(model, SEQUENCES, layouts[i]).meanNll), `layer ${i}`).toBeLessThan(1e-5);
      expect(layer.qaAccuracy).toBeNull();
    });
    expect(result.baseline.qaAccuracy).toBeNull();
    expect(result.layers.map((l) => l.init)).toEqual(['average', 'average', 'average', 'copy']);
    expect(result.notes.join(' ')).toMatch(/After the last layer \(3\) there is no next layer to average with/);
  });
});
