/** Score-driven pruning: the least important deep layers go, the shallow half never does. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePlan, parseScores, readScores } from '../../../src/main/plan/index.js';
import { SCORE_METRICS, type LayerScores, type ScoreMetric } from '../../../src/shared/plan.js';
import { modelOf, referenceConfig, rng } from './helpers.js';

const llama = modelOf(referenceConfig('llama-2-7b'));

function scoresFrom(values: (i: number) => [number, number, number], layers: number): LayerScores {
  return {
    layers: Array.from({ length: layers }, (_, index) => {
      const [angularLast, angularMean, blockInfluence] = values(index);
      return { index, angularLast, angularMean, blockInfluence };
    }),
    samples: 64,
    seqLen: 128,
    dataHash: 'sha256:abc',
  };
}

describe('pruning by scores', () => {
  it('picks the least important second-half layers even when first-half layers score lower', () => {
    const low: Record<number, number> = { 3: 0.001, 4: 0.002, 20: 0.01, 25: 0.02 };
    const scores = scoresFrom((i) => [low[i] ?? 0.5, 0.5, 0.5], 32);
    const plan = makePlan(llama, { strategy: 's', pruneRule: 'scores', scores });
    expect(plan.removed).toEqual([20, 25]);
    expect(plan.scores).toEqual(scores);
    expect(plan.settings).toMatchObject({ pruneBy: 'scores', scoreMetric: 'angularLast', prune: 2 });
  });

  it('uses the chosen metric', () => {
    const scores = scoresFrom((i) => [i === 17 ? 0 : 1, i === 18 ? 0 : 1, i === 19 ? 0 : 1], 32);
    for (const [metric, layer] of [
      ['angularLast', 17],
      ['angularMean', 18],
      ['blockInfluence', 19],
    ] as const) {
      expect(makePlan(llama, { strategy: 's', pruneRule: 'scores', scores, scoreMetric: metric, prune: 1 }).removed).toEqual([layer]);
    }
  });

  it('random scores: every removed deep layer scores no higher than every kept deep layer', () => {
    const next = rng(7);
    for (let n = 0; n < 200; n++) {
      const L = 2 + Math.floor(next() * 47);
      const m = modelOf({
        ...referenceConfig('llama-2-7b'),
        num_hidden_layers: L,
        hidden_size: 64,
        intermediate_size: 96,
        num_attention_heads: 4,
        num_key_value_heads: 4,
        vocab_size: 100,
      });
      const metric = SCORE_METRICS[Math.floor(next() * 3)] as ScoreMetric;
      const scores = scoresFrom(() => [next(), next(), next()], L);
      const deep = Array.from({ length: L }, (_, i) => i).filter((i) => i >= Math.ceil(L / 2));
      const K = Math.floor(next() * (deep.length + 1));
      const plan = makePlan(m, { strategy: 's', pruneRule: 'scores', scores, scoreMetric: metric, prune: K, refresh: 'mean', expand: 1 });
      expect(plan.removed.length).toBe(K);
      expect(plan.removed.every((r) => deep.includes(r))).toBe(true);
      const keptDeep = deep.filter((i) => !plan.removed.includes(i));
      const worstRemoved = Math.max(...plan.removed.map((i) => scores.layers[i][metric]));
      const bestKept = Math.min(...keptDeep.map((i) => scores.layers[i][metric]));
      if (K > 0 && keptDeep.length > 0) expect(worstRemoved).toBeLessThanOrEqual(bestKept);
    }
  });

  it('refresh folds in only the removed layers that followed the last kept one', () => {
    // Pruning 20 and 25 leaves the tail: the final layer 31 is refreshed as a plain copy.
    const middle = makePlan(llama, { strategy: 's', pruneRule: 'scores', scores: scoresFrom((i) => [i === 20 || i === 25 ? 0 : 1, 1, 1], 32) });
    expect(middle.layers.at(-1)).toMatchObject({ kind: 'refreshed', source: 31, init: { method: 'copy', from: [31], zeroed: [] } });
    // Pruning 20 and 31: layer 30 is last kept and absorbs 31, not 20.
    const mixed = makePlan(llama, { strategy: 's', pruneRule: 'scores', scores: scoresFrom((i) => [i === 20 || i === 31 ? 0 : 1, 1, 1], 32) });
    expect(mixed.layers.at(-1)).toMatchObject({ kind: 'refreshed', source: 30, init: { method: 'mean-of', from: [30, 31] } });
  });
});

describe('reading scores', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('reads a slayer score --json document and rejects a mismatched or broken one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slayer-scores-'));
    dirs.push(dir);
    const good = scoresFrom((i) => [i / 32, i / 64, i / 128], 32);
    await writeFile(join(dir, 'ok.json'), JSON.stringify(good));
    expect(await readScores(join(dir, 'ok.json'), 32)).toEqual(good);
    await expect(readScores(join(dir, 'ok.json'), 28)).rejects.toThrow(/scores 32 layers but the model has 28/);
    await writeFile(join(dir, 'bad.json'), '{"layers": [');
    await expect(readScores(join(dir, 'bad.json'), 32)).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(readScores(join(dir, 'missing.json'), 32)).rejects.toThrow(/Cannot read .*missing\.json .*slayer score/);
  });

  it('names the broken field', () => {
    const good = scoresFrom(() => [0.1, 0.1, 0.1], 4);
    expect(() => parseScores({ ...good, layers: good.layers.map((l, i) => (i === 2 ? { ...l, angularMean: null } : l)) }, 4)).toThrow(
      /layers\[2\]\.angularMean must be a number/,
    );
    expect(() => parseScores({ ...good, layers: [...good.layers].reverse() }, 4)).toThrow(/layers\[0\]\.index must be 0/);
    expect(() => parseScores({ ...good, dataHash: '' }, 4)).toThrow(/dataHash/);
    expect(() => parseScores({ ...good, samples: 0 }, 4)).toThrow(/"samples" must be a positive whole number/);
  });
});
