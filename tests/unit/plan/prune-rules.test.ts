/**
 * The three prune rules on scores made to disagree, as on a real Llama: the last layer turns the
 * hidden state a lot (high single-layer score), two middle-deep layers score lowest one by one,
 * and the run whose removal changes the representation least is yet another pair. Expected
 * layers are written by hand from the scores below; random cases are checked by brute force.
 */
import { describe, expect, it } from 'vitest';
import { makePlan, parseScores } from '../../../src/main/plan/index.js';
import type { LayerScore, LayerScores } from '../../../src/shared/plan.js';
import { modelOf, referenceConfig, rng } from './helpers.js';

const llama = modelOf(referenceConfig('llama-2-7b'));

const entry = (index: number, angularLast: number): LayerScore => ({ index, angularLast, angularMean: 0.5, blockInfluence: 0.5 });

/** Single-layer angularLast: 0.2 everywhere, 0.6 for the last layer, lowest at 20 and 24; shallow layer 3 lowest of all. */
const SINGLE: Record<number, number> = { 3: 0.01, 20: 0.05, 24: 0.06, 31: 0.6 };
/** d(h_l, h_{l+2}): 0.35 everywhere, lowest at l = 26 (layers 26-27) in the deep half; a shallow run lower still. */
const PAIRS: Record<number, number> = { 4: 0.02, 26: 0.1, 29: 0.12, 30: 0.9 };

function disagreeing(): LayerScores {
  return {
    layers: Array.from({ length: 32 }, (_, i) => entry(i, SINGLE[i] ?? 0.2)),
    spans: [{ span: 2, layers: Array.from({ length: 31 }, (_, l) => entry(l, PAIRS[l] ?? 0.35)) }],
    samples: 64,
    seqLen: 128,
    dataHash: 'sha256:disagree',
  };
}

describe('prune rules on scores that disagree (32 layers, 2 deleted)', () => {
  const scores = disagreeing();
  const plan = (pruneRule: 'deepest' | 'scores' | 'gromov') => makePlan(llama, { strategy: 's', pruneRule, scores });

  it("deepest (the default, the paper's): layers 30 and 31, refreshed from the mean of 29, 30, 31", () => {
    for (const p of [plan('deepest'), makePlan(llama, { strategy: 's', scores })]) {
      expect(p.removed).toEqual([30, 31]);
      expect(p.settings).toMatchObject({ pruneBy: 'deepest', scoreMetric: null });
      expect(p.layers.at(-1)).toMatchObject({ kind: 'refreshed', source: 29, init: { method: 'mean-of', from: [29, 30, 31] } });
      expect(p.notes[0]).toBe("Deleted by the deepest rule (the paper's): the 2 deepest layers 30-31.");
    }
  });

  it('scores: the two lowest deep-half layers 20 and 24, keeping the last layer, which is refreshed as a copy with the reason in words', () => {
    const p = plan('scores');
    expect(p.removed).toEqual([20, 24]);
    expect(p.settings).toMatchObject({ pruneBy: 'scores', scoreMetric: 'angularLast' });
    expect(p.layers.at(-1)).toMatchObject({ kind: 'refreshed', source: 31, init: { method: 'copy', from: [31] } });
    expect(p.notes).toEqual([
      'Deleted by the scores rule: the 2 deep-half layers with the lowest single-layer angularLast (20: 0.050, 24: 0.060), not necessarily the deepest.',
      'Refreshed layer 31 starts as a copy of itself: no deleted layer followed it (the deleted layers 20 and 24 lie before it), and averaging in blocks from the middle of the stack would mix computations that never fed the final norm.',
    ]);
  });

  it('gromov: the deep-half run 26-27 with the lowest d(h_l, h_l+2), not the shallow run at 4', () => {
    const p = plan('gromov');
    expect(p.removed).toEqual([26, 27]);
    expect(p.settings).toMatchObject({ pruneBy: 'gromov', scoreMetric: 'angularLast' });
    expect(p.layers.at(-1)).toMatchObject({ kind: 'refreshed', source: 31, init: { method: 'copy' } });
    expect(p.notes[0]).toBe(
      'Deleted by the gromov rule: layers 26-27, the run of 2 whose removal changes the representation least (angularLast d(h_26, h_28) = 0.100; the next best run starts at layer 29, 0.120).',
    );
  });

  it('gromov choosing the last run refreshes from the mean, like the paper', () => {
    const tail = disagreeing();
    tail.spans![0].layers[30] = entry(30, 0.01);
    const p = makePlan(llama, { strategy: 's', pruneRule: 'gromov', scores: tail });
    expect(p.removed).toEqual([30, 31]);
    expect(p.layers.at(-1)).toMatchObject({ source: 29, init: { method: 'mean-of', from: [29, 30, 31] } });
  });

  it('gromov with one layer reads the single-layer scores; ties go to the deeper run', () => {
    expect(makePlan(llama, { strategy: 's', pruneRule: 'gromov', prune: 1, scores }).removed).toEqual([20]);
    const flat: LayerScores = { ...scores, spans: [{ span: 2, layers: Array.from({ length: 31 }, (_, l) => entry(l, 0.3)) }] };
    expect(makePlan(llama, { strategy: 's', pruneRule: 'gromov', scores: flat }).removed).toEqual([30, 31]);
  });

  it('scores and gromov say what is missing, in one line', () => {
    expect(() => makePlan(llama, { strategy: 's', pruneRule: 'scores' })).toThrow(/^The scores rule chooses layers from measured scores, and none were given/);
    expect(() => makePlan(llama, { strategy: 's', pruneRule: 'gromov', prune: 3, scores })).toThrow(
      /^The gromov rule deletes a run of 3 layers by the distance d\(h_l, h_l\+3\), which these scores do not have \(they hold n = 2\)\. Measure it with slayer score MODEL --data DATA --spans 3 --json/,
    );
    expect(() => makePlan(llama, { strategy: 's', paper: true, pruneRule: 'scores', scores })).toThrow(/--paper fixes the layout/);
  });

  it('the scores document keeps its spans through the plan and back', () => {
    const p = plan('gromov');
    expect(parseScores(JSON.parse(JSON.stringify(p.scores)), 32)).toEqual(scores);
    const broken = { ...scores, spans: [{ span: 2, layers: scores.spans![0].layers.slice(1) }] };
    expect(() => parseScores(broken, 32)).toThrow(/spans\[0\]\.layers must have 31 entries/);
    expect(() => parseScores({ ...scores, spans: [{ span: 1, layers: [] }] }, 32)).toThrow(/spans\[0\]\.span must be a whole number from 2 to 32/);
  });
});

describe('gromov on random distances: the chosen run is the brute-force minimum over deep-half starts', () => {
  const next = rng(314);
  for (let n = 0; n < 40; n++) {
    const L = 4 + Math.floor(next() * 45);
    const shallow = Math.ceil(L / 2);
    const K = 1 + Math.floor(next() * (L - shallow));
    it(`#${n}: L=${L}, K=${K}`, () => {
      const m = modelOf({ ...referenceConfig('llama-2-7b'), num_hidden_layers: L });
      const single = Array.from({ length: L }, (_, i) => entry(i, next()));
      const span = Array.from({ length: L - K + 1 }, (_, l) => entry(l, next()));
      const scores: LayerScores = { layers: single, ...(K > 1 ? { spans: [{ span: K, layers: span }] } : {}), samples: 1, seqLen: 8, dataHash: 'x' };
      const distance = K === 1 ? single : span;
      let best = -1;
      for (let l = shallow; l + K <= L; l++) if (best < 0 || distance[l].angularLast <= distance[best].angularLast) best = l;
      const p = makePlan(m, { strategy: 's', pruneRule: 'gromov', prune: K, expand: 1, scores });
      expect(p.removed).toEqual(Array.from({ length: K }, (_, k) => best + k));
    });
  }
});
