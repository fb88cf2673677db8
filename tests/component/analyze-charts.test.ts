/**
 * The Analyze step's chart options: the importance curves show exactly the chosen measure of
 * every layer for domain and general text, and the probe chart draws each variant against the
 * unchanged model, on a log axis only when the values span more than tenfold.
 */
import { describe, expect, it } from 'vitest';
import { IMPORTANCE_METRICS, layerImportanceOption, probeLabel, probeOption } from '../../src/shared/analysis-charts.js';
import type { LayerScores } from '../../src/shared/plan.js';
import type { ProbeResult } from '../../src/main/analysis/probe.js';

type Line = { name: string; data: [number, number][] };
type Chart = { xAxis: { name: string; max: number }; yAxis: { name: string; type: string }; series: Line[]; legend: unknown };

function scores(angular: number[], influence: number[]): LayerScores {
  return {
    layers: angular.map((a, index) => ({ index, angularLast: a, angularMean: a / 2, blockInfluence: influence[index] })),
    samples: 16,
    seqLen: 64,
    dataHash: 'sha256:abc',
  };
}

function probe(kind: 'drop' | 'insert', init: 'copy' | 'average' | null, baseline: number, perplexities: number[]): ProbeResult {
  const measure = (perplexity: number) => ({ perplexity, meanNll: Math.log(perplexity), qaAccuracy: null, qaAccuracyNorm: null });
  return {
    precision: 'fp32',
    quick: null,
    cache: null,
    blockRuns: { run: 0, uncached: 0 },
    kind,
    init,
    layers: perplexities.map((p, index) => ({ index, init, ...measure(p) })),
    baseline: measure(baseline),
    notes: [],
    seqLen: 64,
    samples: 8,
    seed: 0,
    dataHash: 'sha256:def',
    qaHash: null,
    tokens: 504,
    qaItems: null,
    model: { dir: '/m', layers: perplexities.length },
    provider: 'cpu',
    threads: 1,
    memory: { mode: 'resident-f32', estimateBytes: 1e9, budgetBytes: 8e9, freeBytes: 1e10, forced: false },
    seconds: 1,
  };
}

const domain = scores([0.41, 0.37, 0.33, 0.2, 0.15, 0.1, 0.05, 0.052], [0.3, 0.28, 0.25, 0.12, 0.1, 0.06, 0.02, 0.021]);
const general = scores([0.39, 0.35, 0.3, 0.22, 0.14, 0.09, 0.06, 0.05], [0.29, 0.27, 0.2, 0.13, 0.09, 0.05, 0.03, 0.02]);

describe('layer importance option', () => {
  for (const metric of ['angularLast', 'blockInfluence'] as const) {
    it(`draws ${IMPORTANCE_METRICS[metric].label} per layer for domain and general text`, () => {
      const option = layerImportanceOption(domain, general, metric) as unknown as Chart;
      expect(option.series.map((s) => s.name)).toEqual(['domain text', 'general text']);
      for (const [line, source] of [
        [option.series[0], domain],
        [option.series[1], general],
      ] as const) {
        expect(line.data.map(([x]) => x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        line.data.forEach(([, y], i) => expect(y).toBeCloseTo(source.layers[i][metric], 3));
      }
      expect(option.yAxis.name).toBe(IMPORTANCE_METRICS[metric].axis);
      expect(option.xAxis.name).toContain('layer');
      expect(option.xAxis.max).toBe(7);
      expect(option.legend).toBeTruthy();
    });
  }

  it('draws one line when there is no general text', () => {
    const option = layerImportanceOption(domain, null, 'angularLast') as unknown as Chart;
    expect(option.series.map((s) => s.name)).toEqual(['domain text']);
  });
});

describe('probe option', () => {
  it('draws each probe and the unchanged model as a flat reference line across every layer', () => {
    const drop = probe('drop', null, 20, [60, 31, 24, 22, 21, 20.5, 20.2, 20.4]);
    const insert = probe('insert', 'average', 20, [26, 23, 21, 20.5, 20.3, 20.1, 20, 20.2]);
    const option = probeOption([drop, insert]) as unknown as Chart;
    expect(option.series.map((s) => s.name)).toEqual([probeLabel(drop), probeLabel(insert), 'unchanged model']);
    expect(probeLabel(drop)).toBe('drop layer i');
    expect(probeLabel(insert)).toBe('insert a block after layer i (average)');
    option.series[0].data.forEach(([x, y], i) => {
      expect(x).toBe(i);
      expect(y).toBeCloseTo(drop.layers[i].perplexity, 3);
    });
    expect(option.series[2].data).toEqual([
      [0, 20],
      [7, 20],
    ]);
    // 60 / 20 = 3x: a linear axis shows it well.
    expect(option.yAxis.type).toBe('value');
    expect(option.yAxis.name).toContain('perplexity');
  });

  it('switches to a log axis, and says so, when perplexity spans more than tenfold', () => {
    const option = probeOption([probe('drop', null, 20, [900, 30, 21, 20])]) as unknown as Chart;
    expect(option.yAxis.type).toBe('log');
    expect(option.yAxis.name).toContain('log scale');
  });
});
