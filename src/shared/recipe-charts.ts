/**
 * ECharts options for the training recipe: the tokens each corpus source gives (a stacked bar,
 * shown in the Corpus step) and how much each layer changed in a run (the paper's per-layer
 * analysis, shown in the Evaluate step and report.html). Pure data -> options, like
 * report-charts.ts.
 */
import type { CorpusMixture } from './mixture.js';
import type { LayerUpdate } from './training.js';

type Option = Record<string, unknown>;

const axisName = (name: string) => ({ name, nameLocation: 'middle', nameGap: 32 });

/**
 * Two stacked horizontal bars: the training tokens each source holds, and how a training step
 * splits its tokens among them (the weights and the replay share), both as shares of 100 %.
 */
export function mixtureOption(mixture: CorpusMixture): Option {
  const parts = [
    ...mixture.sources.map((s) => ({ name: s.name, tokens: s.trainTokens, share: s.share })),
    ...(mixture.replay ? [{ name: 'general (replay)', tokens: mixture.replay.trainTokens, share: mixture.replay.share }] : []),
  ];
  const total = parts.reduce((n, p) => n + p.tokens, 0) || 1;
  return {
    animation: false,
    title: { text: 'Tokens per source', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    grid: { left: 120, right: 24, top: 40, bottom: 56 },
    xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value} %' } },
    yAxis: { type: 'category', data: ['each training step', 'available'], inverse: true },
    series: parts.map((p) => ({
      name: p.name,
      type: 'bar',
      stack: 'tokens',
      data: [round(100 * p.share), round((100 * p.tokens) / total)],
      tooltip: { valueFormatter: (v: number) => `${v} %` },
    })),
  };
}

/** One bar per block and run: ||dW|| / ||W|| of the block's trained tensors, in percent. */
export function layerUpdatesOption(runs: readonly { label: string; updates: readonly LayerUpdate[] }[], layers: number): Option {
  return {
    animation: false,
    title: { text: 'How much each layer changed', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 64, right: 24, top: 48, bottom: 64 },
    xAxis: { type: 'category', data: Array.from({ length: layers }, (_, i) => String(i)), ...axisName('layer (0 = first)') },
    yAxis: { type: 'value', ...axisName('relative change ||ΔW|| / ||W|| (%)'), nameGap: 44 },
    series: runs.map((r) => {
      const byLayer = new Map(r.updates.filter((u) => u.layer !== null).map((u) => [u.layer, u]));
      return { name: r.label, type: 'bar', data: Array.from({ length: layers }, (_, i) => (byLayer.has(i) ? round(100 * byLayer.get(i)!.relative) : null)) };
    }),
  };
}

/** LoRA runs: the mean effective rank of each block's adapters. */
export function effectiveRankOption(runs: readonly { label: string; updates: readonly LayerUpdate[]; rank: number }[], layers: number): Option {
  return {
    animation: false,
    title: { text: 'Effective rank of the LoRA updates', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 64, right: 24, top: 48, bottom: 64 },
    xAxis: { type: 'category', data: Array.from({ length: layers }, (_, i) => String(i)), ...axisName('layer (0 = first)') },
    yAxis: { type: 'value', min: 0, max: Math.max(1, ...runs.map((r) => r.rank)), ...axisName('effective rank'), nameGap: 44 },
    series: runs.map((r) => {
      const byLayer = new Map(r.updates.filter((u) => u.layer !== null).map((u) => [u.layer, u.effectiveRank ?? null]));
      return { name: r.label, type: 'bar', data: Array.from({ length: layers }, (_, i) => (byLayer.has(i) ? round(byLayer.get(i)!) : null)) };
    }),
  };
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}
