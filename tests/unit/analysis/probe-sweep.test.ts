/**
 * The probe sweep's cache of hidden states: probes started from the states the baseline left at
 * the changed block give the numbers of probes run from the embedding (1e-6), in fp32 and int8,
 * for drop-one and both insert-one starts; the cache runs about half the blocks; without room
 * for it the sweep recomputes, says so, and gives the same numbers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeLayers, type ProbeResult } from '../../../src/main/analysis/index.js';
import { sharedPrefix } from '../../../src/main/analysis/probe-sweep.js';
import { tempDir } from '../../helpers/tmp.js';
import { randomSequences } from '../engine/random-model.js';
import { writeFixtureModel, writeInputIds } from './fixture.js';

const LAYERS = 5;
const QUESTIONS = [
  { question: 'Which animal jumps over the lazy dog?', choices: ['the quick brown fox', 'a model', 'the tokenizer'], answer: 0 },
  { question: 'Where are new blocks added?', choices: ['shallow layers', 'deep layers', 'nowhere'], answer: 0 },
];

let cleanup: () => Promise<void>;
let modelDir: string;
let dataFile: string;
let qaFile: string;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir('slayer-sweep-'));
  modelDir = join(dir, 'model');
  await writeFixtureModel(modelDir, { layers: LAYERS, seed: 4 });
  dataFile = join(dir, 'ids.jsonl');
  await writeInputIds(dataFile, randomSequences(5, [16, 11, 16, 7, 14], 360, 9));
  qaFile = join(dir, 'qa.jsonl');
  await writeFile(qaFile, QUESTIONS.map((q) => JSON.stringify(q)).join('\n'));
});
afterAll(() => cleanup());

function expectSame(cached: ProbeResult, uncached: ProbeResult): void {
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  expect(close(cached.baseline.meanNll, uncached.baseline.meanNll)).toBe(true);
  cached.layers.forEach((l, i) => {
    const u = uncached.layers[i];
    expect(close(l.meanNll, u.meanNll), `layer ${i}: ${l.meanNll} vs ${u.meanNll}`).toBe(true);
    expect(close(l.perplexity, u.perplexity), `layer ${i}`).toBe(true);
    expect([l.qaAccuracy, l.qaAccuracyNorm, l.init]).toEqual([u.qaAccuracy, u.qaAccuracyNorm, u.init]);
  });
}

describe('probe sweep', () => {
  it('sharedPrefix: the blocks a probe has in common with the unchanged model', () => {
    expect(sharedPrefix([0, 1, 3, 4])).toBe(2); // drop 2
    expect(sharedPrefix([0, 1, 2, { mean: [2, 3] }, 3])).toBe(3); // insert after 2
    expect(sharedPrefix([1, 2, 3])).toBe(0); // drop 0
    expect(sharedPrefix([0, 1, 2, 3, 3])).toBe(4); // a copy inserted after the last of 4 layers starts from the final states
  });

  for (const precision of ['fp32', 'int8'] as const) {
    for (const [kind, init] of [
      ['drop', undefined],
      ['insert', 'copy'],
      ['insert', 'average'],
    ] as const) {
      it(`${precision} ${kind}${init ? ` (${init})` : ''}: cached probes equal probes from the embedding`, async () => {
        const options = { kind, init, data: dataFile, qa: qaFile, threads: 1, precision };
        const cached = await probeLayers(modelDir, options);
        const uncached = await probeLayers(modelDir, { ...options, noCache: true });
        expect(cached.cache).not.toBeNull();
        expect(uncached.cache).toBeNull();
        expectSame(cached, uncached);
        // One chunk: the baseline runs L blocks; drop i runs L-1-i of them, insert after i L-i.
        const L = LAYERS;
        const probes = kind === 'drop' ? (L * (L - 1)) / 2 : (L * (L + 1)) / 2;
        expect(cached.blockRuns).toEqual({ run: L + probes, uncached: L + L * (kind === 'drop' ? L - 1 : L + 1) });
        expect(uncached.blockRuns.run).toBe(uncached.blockRuns.uncached);
      });
    }
  }

  it('without room for the cache: recomputes, says so, same numbers', async () => {
    // Streaming fixes the weight mode, so the only choice left is the cache's.
    const cached = await probeLayers(modelDir, { kind: 'drop', data: dataFile, qa: qaFile, threads: 1, streaming: true });
    const cache = cached.cache!;
    // The plan without the cache, plus half of one sequence's cache: no room for any chunk.
    const withoutCache = cached.memory.estimateBytes - cache.bytes;
    const tight = await probeLayers(modelDir, {
      kind: 'drop',
      data: dataFile,
      qa: qaFile,
      threads: 1,
      streaming: true,
      memoryLimitBytes: withoutCache + cache.bytes / cache.sequencesPerChunk / 2,
    });
    expect(tight.cache).toBeNull();
    expect(tight.notes.join(' ')).toMatch(/No room for the probe cache .* every probe recomputed the blocks before it/);
    expect(tight.blockRuns.run).toBe(tight.blockRuns.uncached);
    expectSame(cached, tight);
  });
});
