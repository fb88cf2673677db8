/**
 * Quick scans (precision int8) against the fp32 scan of the same data: every score within the
 * bound docs/analysis.md states for small models, the layer order of the trained demo model
 * unchanged, probes' perplexities within 2 %, the precision and the weights' origin recorded,
 * and the second scan reading the weight cache to the same numbers.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeLayers, scoreLayers, type ScoreResult } from '../../../src/main/analysis/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { randomSequences } from '../engine/random-model.js';
import { writeFixtureModel, writeInputIds } from './fixture.js';

/** Largest |int8 - fp32| of an angular distance or Block Influence on these small models (docs/analysis.md). */
const SCORE_BOUND = 0.01;
const DEMO_MODEL = 'resources/demo/model';
const DEMO_TEXT = 'resources/demo/corpora/general';

let cleanup: () => Promise<void>;
let dir: string;
let dataFile: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-quick-'));
  dataFile = join(dir, 'ids.jsonl');
  await writeInputIds(dataFile, randomSequences(6, [16, 12, 16, 9, 16, 16], 360, 5));
  for (const seed of [1, 3]) await writeFixtureModel(join(dir, `model-${seed}`), { layers: 5, seed });
});
afterAll(() => cleanup());

function largestDifference(a: ScoreResult, b: ScoreResult): number {
  return Math.max(
    ...a.layers.flatMap((l, i) => [
      Math.abs(l.angularLast - b.layers[i].angularLast),
      Math.abs(l.angularMean - b.layers[i].angularMean),
      Math.abs(l.blockInfluence - b.layers[i].blockInfluence),
    ]),
  );
}

/** Layer indices from most to least important by one metric. */
const order = (s: ScoreResult) => [...s.layers].sort((a, b) => b.angularMean - a.angularMean).map((l) => l.index);

describe('quick scans', () => {
  it('scores every layer within the stated bound of fp32 and records how', async () => {
    for (const seed of [1, 3]) {
      const modelDir = join(dir, `model-${seed}`);
      const fp32 = await scoreLayers(modelDir, dataFile, { threads: 1 });
      const quick = await scoreLayers(modelDir, dataFile, { threads: 1, precision: 'int8' });
      expect(fp32).toMatchObject({ precision: 'fp32', quick: null });
      expect(quick).toMatchObject({ precision: 'int8', quick: { source: 'quantised', cacheDir: null }, memory: { mode: 'resident-int8' } });
      expect(largestDifference(fp32, quick), `seed ${seed}`).toBeLessThan(SCORE_BOUND);
      expect(largestDifference(fp32, quick), `seed ${seed}: int8 does change something`).toBeGreaterThan(0);
    }
  });

  it('keeps the trained demo model’s layer order, and reads the cache the second time to the same numbers', async () => {
    const weightCache = join(dir, 'weight-cache');
    const options = { threads: 1, samples: 16, seqLen: 64 };
    const fp32 = await scoreLayers(DEMO_MODEL, DEMO_TEXT, options);
    const first = await scoreLayers(DEMO_MODEL, DEMO_TEXT, { ...options, precision: 'int8', weightCache });
    const second = await scoreLayers(DEMO_MODEL, DEMO_TEXT, { ...options, precision: 'int8', weightCache });
    expect(first.quick).toMatchObject({ source: 'quantised', note: null });
    expect(first.quick!.cacheDir).toContain(weightCache);
    expect(second.quick).toMatchObject({ source: 'cache', cacheDir: first.quick!.cacheDir });
    expect(second.layers).toEqual(first.layers);
    expect(largestDifference(fp32, first)).toBeLessThan(1e-3);
    expect(order(first)).toEqual(order(fp32));
  });

  it('probes within 2 % of fp32 perplexity, recorded as a quick scan', async () => {
    const modelDir = join(dir, 'model-1');
    const fp32 = await probeLayers(modelDir, { kind: 'drop', data: dataFile, threads: 1 });
    const quick = await probeLayers(modelDir, { kind: 'drop', data: dataFile, threads: 1, precision: 'int8' });
    expect(quick).toMatchObject({ precision: 'int8', quick: { source: 'quantised' }, memory: { mode: 'resident-int8' } });
    expect(Math.abs(quick.baseline.perplexity / fp32.baseline.perplexity - 1)).toBeLessThan(0.02);
    quick.layers.forEach((l, i) => expect(Math.abs(l.perplexity / fp32.layers[i].perplexity - 1), `layer ${i}`).toBeLessThan(0.02));
  });

  it('refuses --streaming with int8 in one line', async () => {
    await expect(scoreLayers(join(dir, 'model-1'), dataFile, { precision: 'int8', streaming: true })).rejects.toThrow(
      /^A quick scan holds its int8 weights in memory and cannot read them from disk block by block\./,
    );
  });
});
