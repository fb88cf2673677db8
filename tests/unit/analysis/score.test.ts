/**
 * Layer scores against the float64 reference: every block's angular distances and Block
 * Influence, an identity block at exactly 0, chunk pooling, streaming, progress and cancel.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreLayers } from '../../../src/main/analysis/index.js';
import { loadSequences } from '../../../src/main/data/index.js';
import { createForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { runInChunks } from '../../../src/main/evaluate/chunked-run.js';
import { parseScores } from '../../../src/main/plan/scores.js';
import type { ProgressUpdate } from '../../../src/shared/progress.js';
import { tempDir } from '../../helpers/tmp.js';
import { randomSequences } from '../engine/random-model.js';
import type { MemoryModel } from '../engine/random-model.js';
import { referenceRun, referenceScores, writeFixtureModel, writeInputIds } from './fixture.js';

const SEQ_LEN = 10;
/** Lines of 10, 10, 17 and 6 tokens: the 17 is cut into windows of 10 and 7. */
const LINES = randomSequences(4, [10, 10, 17, 6], 360, 31);
const WINDOWS = LINES.flatMap((ids) => (ids.length > SEQ_LEN ? [ids.slice(0, SEQ_LEN), ids.slice(SEQ_LEN)] : [ids]));

let dir: string;
let cleanup: () => Promise<void>;
let model: MemoryModel;
let modelDir: string;
let dataFile: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-score-'));
  modelDir = join(dir, 'model');
  model = await writeFixtureModel(modelDir, { layers: 4, seed: 3, identityBlocks: [2] });
  dataFile = join(dir, 'ids.jsonl');
  await writeInputIds(dataFile, LINES);
});
afterAll(() => cleanup());

describe('scoreLayers', () => {
  it('matches the float64 reference for every block, scores an identity block 0, and records its settings', async () => {
    const progress: ProgressUpdate[] = [];
    const logs: string[] = [];
    const result = await scoreLayers(
      modelDir,
      dataFile,
      { seqLen: SEQ_LEN, samples: 50, seed: 4, threads: 1 },
      { onProgress: (p) => progress.push(p), onLog: (l) => logs.push(l) },
    );

    const expected = referenceScores(
      model.description,
      WINDOWS.map((ids) => referenceRun(model, ids)),
    );
    expect(result.layers).toHaveLength(4);
    result.layers.forEach((layer, i) => {
      expect(layer.index).toBe(i);
      expect(Math.abs(layer.angularLast - expected[i].angularLast)).toBeLessThan(1e-5);
      expect(Math.abs(layer.angularMean - expected[i].angularMean)).toBeLessThan(1e-5);
      expect(Math.abs(layer.blockInfluence - expected[i].blockInfluence)).toBeLessThan(1e-5);
    });
    expect(result.layers[2].angularLast).toBe(0);
    expect(result.layers[2].angularMean).toBe(0);
    expect(Math.abs(result.layers[2].blockInfluence)).toBeLessThan(1e-6);
    expect(expected[1].angularMean).toBeGreaterThan(0.05); // the other blocks do visible work

    const loaded = await loadSequences(dataFile, null, { seqLen: SEQ_LEN, samples: 50, seed: 4, vocabSize: 360 });
    expect(result).toMatchObject({
      samples: WINDOWS.length,
      seqLen: SEQ_LEN,
      seed: 4,
      dataHash: loaded.dataHash,
      tokens: 43,
      provider: 'cpu',
      model: { layers: 4 },
    });
    expect(logs.join('\n')).toMatch(/gives 5 sequences of 10 tokens/);
    // What `slayer plan --scores` reads.
    expect(parseScores(JSON.parse(JSON.stringify(result)), 4)).toEqual({ layers: result.layers, samples: 5, seqLen: SEQ_LEN, dataHash: loaded.dataHash });

    const fractions = progress.map((p) => p.fraction).filter((f): f is number => f !== null);
    expect(fractions.at(-1)).toBe(1);
    expect(progress.some((p) => /^Scoring, sequences 1-5 of 5: Block 4 of 4/.test(p.message))).toBe(true);
  });

  it('measures n-layer distances d(h_l, h_l+n) against the float64 reference, and plans read them', async () => {
    const result = await scoreLayers(modelDir, dataFile, { seqLen: SEQ_LEN, samples: 50, seed: 4, threads: 1, spans: [3, 2] });
    const runs = WINDOWS.map((ids) => referenceRun(model, ids));
    expect(result.spans!.map((s) => s.span)).toEqual([2, 3]);
    for (const { span, layers } of result.spans!) {
      const expected = referenceScores(model.description, runs, span);
      expect(layers).toHaveLength(4 - span + 1);
      layers.forEach((l, start) => {
        expect(l.index).toBe(start);
        expect(Math.abs(l.angularLast - expected[start].angularLast)).toBeLessThan(1e-5);
        expect(Math.abs(l.angularMean - expected[start].angularMean)).toBeLessThan(1e-5);
        expect(Math.abs(l.blockInfluence - expected[start].blockInfluence)).toBeLessThan(1e-5);
      });
    }
    // Block 2 is an identity, so the run 2-3 changes the state exactly as much as block 3 alone.
    expect(result.spans![0].layers[2].angularLast).toBeCloseTo(result.layers[3].angularLast, 6);
    expect(parseScores(JSON.parse(JSON.stringify(result)), 4).spans).toEqual(result.spans);
    // A 4-layer model deletes round(4/16) = 0 layers by default, so no span is measured unless asked.
    expect((await scoreLayers(modelDir, dataFile, { seqLen: SEQ_LEN, threads: 1 })).spans).toBeUndefined();
    await expect(scoreLayers(modelDir, dataFile, { seqLen: SEQ_LEN, spans: [5] })).rejects.toThrow(/--spans takes run lengths from 2 to 4/);
  });

  it('gives the same scores streaming one block at a time', async () => {
    const resident = await scoreLayers(modelDir, dataFile, { seqLen: SEQ_LEN, threads: 1 });
    const streamed = await scoreLayers(modelDir, dataFile, { seqLen: SEQ_LEN, threads: 1, streaming: true });
    expect(streamed.memory).toMatchObject({ mode: 'streamed', forced: true });
    expect(streamed.layers).toEqual(resident.layers);
  });

  it('pools statistics over chunks as one run does (weights: sequences for the last token, tokens for the means)', async () => {
    const engine = await createForwardEngine(model, { threads: 1 });
    try {
      const whole = await runInChunks(engine, WINDOWS, { collectStats: true, spans: [2] }, {}, 'test');
      const messages: string[] = [];
      // A 1-byte budget puts every sequence in a chunk of its own.
      const chunked = await runInChunks(engine, WINDOWS, { collectStats: true, spans: [2] }, { onProgress: (p) => messages.push(p.message) }, 'test', 1);
      expect(messages.some((m) => m.startsWith('test, sequences 5-5 of 5'))).toBe(true);
      expect(chunked.tokenLogProbs).toEqual(whole.tokenLogProbs);
      chunked.stats!.forEach((s, k) => {
        expect(s.angularLast).toBeCloseTo(whole.stats![k].angularLast, 6);
        expect(s.angularMean).toBeCloseTo(whole.stats![k].angularMean, 6);
        expect(s.blockInfluence).toBeCloseTo(whole.stats![k].blockInfluence, 6);
      });
      expect(chunked.spans![0].stats).toHaveLength(3);
      chunked.spans![0].stats.forEach((s, k) => {
        expect(s.angularLast).toBeCloseTo(whole.spans![0].stats[k].angularLast, 6);
        expect(s.angularMean).toBeCloseTo(whole.spans![0].stats[k].angularMean, 6);
      });
    } finally {
      await engine.dispose();
    }
  });

  it('stops with the cancel message when cancelled mid-run', async () => {
    const controller = new AbortController();
    const run = scoreLayers(
      modelDir,
      dataFile,
      { seqLen: SEQ_LEN, threads: 1 },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.message.startsWith('Scoring')) controller.abort();
        },
      },
    );
    await expect(run).rejects.toThrow(/^Cancelled/);
  });

  it("refuses a sequence length above the model's context, naming the limit", async () => {
    await expect(scoreLayers(modelDir, dataFile, { seqLen: 4096 })).rejects.toThrow(
      /sequence length 4096 is more than the model's limit of 2048 tokens \(max_position_embeddings/,
    );
  });
});
