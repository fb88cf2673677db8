/**
 * The Analyze step's plain-language reading. Expected groups are computed here from the stated
 * rule (top and bottom thirds of the measured range; the shallow half is the first ceil(L/2)
 * layers) and the sentences must name them with their values.
 */
import { describe, expect, it } from 'vitest';
import { layerList, percent, readPlanRule, readProbe, readScores, SAME_CURVE_GAP } from '../../src/renderer/src/layer-reading';
import { parseModelConfig } from '../../src/main/model/config.js';
import { makePlan } from '../../src/main/plan/index.js';
import type { LayerScores } from '../../src/shared/plan.js';
import type { ProbeResult } from '../../src/main/analysis/probe.js';

function scores(angular: number[]): LayerScores {
  return {
    layers: angular.map((a, index) => ({ index, angularLast: a, angularMean: a, blockInfluence: a / 2 })),
    samples: 16,
    seqLen: 64,
    dataHash: 'sha256:abc',
  };
}

/** The rule, restated: indices within the top / bottom third of [min, max]. */
function thirds(values: number[]) {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const most = values
    .map((v, i) => [v, i])
    .filter(([v]) => v >= max - (max - min) / 3)
    .map(([, i]) => i);
  const least = values
    .map((v, i) => [v, i])
    .filter(([v]) => v <= min + (max - min) / 3)
    .map(([, i]) => i);
  return { min, max, most, least };
}
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('layer lists', () => {
  it('joins runs of consecutive layers', () => {
    expect(layerList([3])).toBe('layer 3');
    expect(layerList([2, 0, 1])).toBe('layers 0-2');
    expect(layerList([1, 4, 6, 7])).toBe('layers 1, 4 and 6-7');
    expect(layerList([0, 2])).toBe('layers 0 and 2');
  });
});

describe('reading of the importance curves', () => {
  it('names the layers that change the text most and least, the removal candidates, and agrees with the paper when shallow layers matter most', () => {
    const values = [0.41, 0.37, 0.33, 0.2, 0.15, 0.1, 0.05, 0.052];
    const r = readScores(scores(values), null, 'angularLast');
    const t = thirds(values);
    expect(t.most).toEqual([0, 1, 2]);
    expect(r.most).toEqual(t.most);
    expect(r.least).toEqual(t.least);
    // Deep half of 8 layers: 4-7; its bottom-third members are the first to remove.
    expect(r.removable).toEqual(t.least.filter((i) => i >= 4));
    expect(r.sentences[0]).toBe(
      `Layers 0-2 change the text most (angular distance ${Math.min(0.41, 0.37, 0.33).toFixed(2)} to ${(0.41).toFixed(2)}); ${layerList(t.least)} change it least (${(0.05).toFixed(2)} to ${(0.15).toFixed(2)}).`,
    );
    expect(r.sentences[1]).toContain(`In the deep half, ${layerList(r.removable)} change it least`);
    expect(r.sentences[1]).toContain('first candidates to remove');
    expect(r.matchesPaper).toBe(avg(values.slice(0, 4)) > avg(values.slice(4)));
    expect(r.matchesPaper).toBe(true);
    expect(r.sentences[2]).toContain(
      `This matches the paper: on average the shallow half changes the text by ${avg(values.slice(0, 4)).toFixed(2)} and the deep half by ${avg(values.slice(4)).toFixed(2)}`,
    );
    expect(r.thresholds).toContain(`(${t.min.toFixed(2)} to ${t.max.toFixed(2)})`);
    expect(r.thresholds).toContain('shallow half is layers 0-3, the deep half layers 4-7');
  });

  it('says when the curve differs from the paper, and picks the single least-changing deep layer when none is in the bottom third', () => {
    // Deep layers change the text more; the bottom third holds only shallow layers.
    const values = [0.1, 0.12, 0.2, 0.3, 0.4, 0.42, 0.38, 0.35, 0.36];
    const r = readScores(scores(values), null, 'angularLast');
    const t = thirds(values);
    const deepStart = Math.ceil(values.length / 2);
    expect(t.least.every((i) => i < deepStart)).toBe(true);
    const deep = values.slice(deepStart);
    expect(r.removable).toEqual([deepStart + deep.indexOf(Math.min(...deep))]);
    expect(r.sentences[1]).toBe(
      `In the deep half, layer ${r.removable[0]} changes it least (${Math.min(...deep).toFixed(2)}), so it is the first candidate to remove.`,
    );
    expect(r.matchesPaper).toBe(false);
    expect(r.sentences[2]).toMatch(/^This differs from the paper/);
  });

  it('compares domain and general text against the stated gap', () => {
    const values = [0.41, 0.37, 0.33, 0.2, 0.15, 0.1, 0.05, 0.052];
    const near = values.map((v, i) => v + (i % 2 ? 0.01 : -0.02));
    const far = values.map((v, i) => (i === 3 ? v - 0.09 : v + 0.01));
    const same = readScores(scores(values), scores(near), 'angularLast');
    expect(Math.max(...values.map((v, i) => Math.abs(v - near[i])))).toBeLessThan(SAME_CURVE_GAP);
    expect(same.sentences[3]).toMatch(/^General text gives nearly the same curve \(the largest gap is 0\.02, at layer 0\)/);
    const differs = readScores(scores(values), scores(far), 'angularLast');
    expect(differs.sentences[3]).toBe(
      `The curves differ most at layer 3 (domain ${(0.2).toFixed(2)}, general ${(0.2 - 0.09).toFixed(2)}): that layer treats your documents differently from everyday text.`,
    );
    expect(differs.thresholds).toContain(`less than ${SAME_CURVE_GAP}`);
  });

  it('reads the chosen measure', () => {
    const values = [0.41, 0.37, 0.33, 0.2, 0.15, 0.1, 0.05, 0.052];
    const r = readScores(scores(values), null, 'blockInfluence');
    expect(r.sentences[0]).toContain(`block influence ${(0.33 / 2).toFixed(2)} to ${(0.41 / 2).toFixed(2)}`);
  });

  it('gives no preference when every layer changes the text alike', () => {
    const r = readScores(scores([0.2, 0.201, 0.199, 0.2]), null, 'angularLast');
    expect(r.removable).toEqual([]);
    expect(r.sentences).toEqual(['Every layer changes the text about equally (angular distance 0.20), so the scores give no layer a clear preference.']);
  });
});

describe('reading of a probe', () => {
  function probe(kind: 'drop' | 'insert', baseline: number, perplexities: number[]): ProbeResult {
    const measure = (perplexity: number) => ({ perplexity, meanNll: Math.log(perplexity), qaAccuracy: null, qaAccuracyNorm: null });
    return {
      precision: 'fp32',
      quick: null,
      cache: null,
      blockRuns: { run: 0, uncached: 0 },
      kind,
      init: kind === 'insert' ? 'copy' : null,
      layers: perplexities.map((p, index) => ({ index, init: null, ...measure(p) })),
      baseline: measure(baseline),
      notes: [],
      seqLen: 64,
      samples: 8,
      seed: 0,
      dataHash: 'h',
      qaHash: null,
      tokens: 1,
      qaItems: null,
      model: { dir: '/m', layers: perplexities.length },
      provider: 'cpu',
      threads: 1,
      memory: { mode: 'resident-f32', estimateBytes: 1e9, budgetBytes: 8e9, freeBytes: 1e10, forced: false },
      seconds: 1,
    };
  }

  it('names the layers whose removal hurts most and least, with the change against the unchanged model', () => {
    const baseline = 20;
    const ppl = [60, 44, 24, 22, 21, 20.5, 20.2, 20.4];
    const r = readProbe(probe('drop', baseline, ppl));
    const changes = ppl.map((p) => p / baseline - 1);
    r.changes.forEach((c, i) => expect(c).toBeCloseTo(changes[i], 12));
    const t = thirds(changes);
    // Range +1% to +200%: the top third starts at +133.7%, so only layer 0 (+200%) is in it; layer 1 (+120%) is not.
    expect(t.most).toEqual([0]);
    expect(r.most).toEqual(t.most);
    expect(r.least).toEqual(t.least);
    expect(r.sentences[0]).toBe(
      `Removing layer 0 raises perplexity most (+200% against the unchanged model's 20.0); removing ${layerList(t.least)} raises it least (${percent(Math.min(...t.least.map((i) => changes[i])))} to ${percent(Math.max(...t.least.map((i) => changes[i])))}).`,
    );
    expect(percent(0.01)).toBe('+1.0%');
    expect(percent(-0.004)).toBe('−0.4%');
    expect(r.matchesPaper).toBe(true);
    expect(r.sentences[1]).toContain('as in the paper');
  });

  it('says when the least harmful insertions even lower perplexity', () => {
    const r = readProbe(probe('insert', 10, [10.5, 10.4, 9.7, 9.8]));
    expect(r.sentences[0]).toContain('Inserting a block (copy) after layers 0-1 raises perplexity most');
    expect(r.sentences[0]).toContain('inserting a block (copy) after layers 2-3 even lowers it (−3.0% to −2.0%)');
  });
});

describe('which rule the saved plan used', () => {
  // A 32-layer Llama shape; the scores make layers 20 and 24 the least important deep ones, as real Llamas do with the last layer high.
  const m = parseModelConfig({
    architectures: ['LlamaForCausalLM'],
    hidden_size: 64,
    intermediate_size: 128,
    num_attention_heads: 4,
    num_hidden_layers: 32,
    vocab_size: 100,
  });
  const angular = Array.from({ length: 32 }, (_, i) => (i === 20 ? 0.05 : i === 24 ? 0.06 : i === 31 ? 0.9 : 0.6 - i / 200));
  const measured: LayerScores = {
    ...scores(angular),
    spans: [
      { span: 2, layers: Array.from({ length: 31 }, (_, l) => ({ index: l, angularLast: l === 26 ? 0.1 : 0.5, angularMean: 0.5, blockInfluence: 0.5 })) },
    ],
  };
  const removable = readScores(measured, null, 'angularLast').removable;

  it("says the paper's rule deleted the deepest layers, not the scores, and what the scores alone would pick", () => {
    expect(removable).toEqual([20, 24]);
    expect(readPlanRule(makePlan(m, { strategy: 's', scores: measured }), removable)).toBe(
      "The saved S plan deletes layers 30-31 by the paper's rule (the deepest layers), not by these scores; by these scores alone, the first candidates would be layers 20 and 24.",
    );
  });

  it('names the scores and gromov rules, hand lists, plans that delete nothing, and no plan', () => {
    expect(readPlanRule(makePlan(m, { strategy: 's', pruneRule: 'scores', scores: measured }), removable)).toBe(
      'The saved S plan deletes layers 20 and 24 by the scores rule: the deep layers with the lowest angularLast one by one.',
    );
    expect(readPlanRule(makePlan(m, { strategy: 's', pruneRule: 'gromov', scores: measured }), removable)).toBe(
      'The saved S plan deletes layers 26-27 by the gromov rule: the run of deep layers whose removal changes the representation least.',
    );
    const manual = makePlan(m, { strategy: 'manual', layout: { expand: [{ after: 1, init: 'average' }], prune: [28], refresh: 'mean' } });
    expect(readPlanRule(manual, removable)).toBe('The saved manual plan deletes layer 28, listed by hand.');
    expect(readPlanRule(makePlan(m, { strategy: 'llama-pro' }), removable)).toBe('The saved LLaMA Pro plan deletes no layer.');
    expect(readPlanRule(null, removable)).toMatch(
      /^No plan is saved yet\. The recommended plan deletes the deepest layers, as the paper does; by these scores alone/,
    );
  });
});
