/**
 * The memory plan knows quick scans and the probe cache: the int8 estimate against a count by
 * hand and against the bytes the loaded weights really hold, the scores' estimate without the
 * head, and the probe cache sized to what is left of the budget (or left out).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQuantisedWeights } from '../../../src/main/engine/quantised-weights.js';
import { forwardEstimate, RUNTIME_BYTES } from '../../../src/main/memory/forward.js';
import { int8WeightBytes, int8WeightParts } from '../../../src/main/memory/int8.js';
import { chooseProbeSweep, probeCacheBytes } from '../../../src/main/memory/probe-cache.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import type { MemoryEstimate } from '../../../src/shared/memory.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyConfig } from '../engine/random-model.js';

// hidden 32, MLP 48, 4 heads of 8, 2 key/value heads, 3 layers, vocabulary 61, untied head.
const m = tinyConfig({ num_key_value_heads: 2 });

describe('int8 weights in the memory plan', () => {
  it('counts 1 byte per weight and an fp32 scale per output channel, the rest in fp32', () => {
    // Per block: q [32, 32], k [16, 32], v [16, 32], o [32, 32], gate [48, 32], up [48, 32], down [32, 48].
    const values = 1024 + 512 + 512 + 1024 + 1536 + 1536 + 1536;
    const scales = 4 * (32 + 16 + 16 + 32 + 48 + 48 + 32);
    const parts = int8WeightParts(m, 2, { head: true, cached: false });
    expect(Object.fromEntries(parts.map((p) => [p.name, p.bytes]))).toEqual({
      Weights: 3 * (values + scales),
      'Embedding and norms': 4 * (3 * 2 * 32 + 61 * 32 + 32),
      'LM head': 61 * 32 + 4 * 61,
      Quantising: (2 + 4 + 1) * 61 * 32, // the head, read as bf16, widened and quantised
    });
    expect(int8WeightBytes(m, 2, { head: false, cached: true })).toBe(3 * (values + scales) + 4 * (3 * 2 * 32 + 61 * 32 + 32));
  });

  it('a quick score needs less than fp32 and no working memory for the head', () => {
    const shape = { sequences: 4, seqLen: 8 };
    const quick = forwardEstimate(m, 4, { ...shape, statsOnly: true, int8Cached: true }, 'resident-int8');
    const fp32 = forwardEstimate(m, 4, shape, 'resident-f32');
    const part = (e: MemoryEstimate, name: string) => e.parts.find((p) => p.name === name)!.bytes;
    // 4 sequences of 8 tokens, 4 bytes per float: attention 3 * heads * T = 96, MLP 3 * 48, head 3 * 61.
    expect(part(quick, 'Working memory')).toBe(4 * 4 * 8 * 3 * 48); // no vocabulary term
    expect(part(fp32, 'Working memory')).toBe(4 * 4 * 8 * 3 * 61);
    expect(quick.totalBytes).toBe(
      RUNTIME_BYTES + int8WeightBytes(m, 4, { head: false, cached: true }) + part(quick, 'Hidden states') + part(quick, 'Working memory'),
    );
    expect(quick.totalBytes).toBeLessThan(fp32.totalBytes);
  });
});

describe('the estimate equals what the loaded int8 weights hold', () => {
  let cleanup: () => Promise<void>;
  let modelDir: string;
  beforeAll(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDir('slayer-int8-memory-'));
    modelDir = join(dir, 'model');
    await generateTestModel(modelDir, {
      layers: 3,
      hiddenSize: 32,
      intermediateSize: 48,
      heads: 4,
      kvHeads: 2,
      vocabSize: 61,
      tied: false,
      tokenizer: false,
      seed: 1,
      dtype: 'bf16',
    });
  });
  afterAll(() => cleanup());

  for (const head of [true, false]) {
    it(`head ${head}`, async () => {
      const folder = await ModelFolder.open(modelDir);
      const w = await loadQuantisedWeights(folder, { head, cache: null });
      await folder.close();
      const arrays = new Set<ArrayBufferView>([w.embedding, w.finalNorm]);
      if (w.head) arrays.add(w.head.values).add(w.head.scales);
      for (let layer = 0; layer < 3; layer++) {
        for (const q of w.block(layer).matrices.values()) arrays.add(q.values).add(q.scales);
        for (const v of w.block(layer).vectors.values()) arrays.add(v);
      }
      const held = [...arrays].reduce((n, a) => n + a.byteLength, 0);
      expect(held).toBe(int8WeightBytes(folder.description, 2, { head, cached: true }));
    });
  }
});

describe('the probe cache in the memory plan', () => {
  const estimate = (mode: MemoryEstimate['mode'], totalBytes: number): MemoryEstimate => ({
    mode,
    totalBytes,
    parts: [{ name: 'All', bytes: totalBytes, why: '' }],
  });
  const seqLen = 16;
  const perSequence = 4 * 3 * seqLen * 32; // L * T * H floats
  const machine = (budget: number) => ({ totalBytes: 64 * 2 ** 30, freeBytes: budget / 0.8 });

  it('costs 4 * L * c * T * H bytes', () => {
    expect(probeCacheBytes(m, 5, seqLen)).toBe(5 * perSequence);
  });

  it('takes the largest chunk that fits beside the fastest mode, up to all sequences', () => {
    const estimates = [estimate('resident-f32', 1000), estimate('streamed', 500)];
    const plan = (budget: number, sequences = 10) =>
      chooseProbeSweep(m, estimates, { sequences, seqLen }, { machine: machine(budget) }, 'The drop-one probe', ['less']);
    const two = plan(1000 + 2.5 * perSequence);
    expect(two.cache).toEqual({ sequencesPerChunk: 2, bytes: 2 * perSequence });
    expect(two.record.mode).toBe('resident-f32');
    expect(two.estimate.totalBytes).toBe(1000 + 2 * perSequence);
    expect(two.estimate.parts.at(-1)).toMatchObject({ name: 'Probe cache', bytes: 2 * perSequence });
    expect(plan(1000 + 100 * perSequence, 7).cache).toEqual({ sequencesPerChunk: 7, bytes: 7 * perSequence });
    // No room beside fp32 weights: streamed weights leave room for the cache.
    expect(plan(900 + perSequence)).toMatchObject({ record: { mode: 'streamed' }, cache: { sequencesPerChunk: 1 } });
  });

  it('leaves the cache out when no mode has room for one sequence, and refuses only when nothing fits', () => {
    const estimates = [estimate('resident-f32', 1000), estimate('streamed', 500)];
    const none = chooseProbeSweep(m, estimates, { sequences: 4, seqLen }, { machine: machine(1000 + perSequence / 2) }, 'Probing', ['less']);
    expect(none.cache).toBeNull();
    expect(none.record.mode).toBe('resident-f32');
    expect(() => chooseProbeSweep(m, estimates, { sequences: 4, seqLen }, { machine: machine(400) }, 'Probing', ['less'])).toThrow(
      /^Probing would not fit in memory/,
    );
  });
});
