/**
 * ECharts options for the Corpus and Analyze steps: the token-length histogram, the per-layer
 * importance curves (the paper's Figure 2a on domain and general text) and the behaviour probes
 * (Figure 2b/2c). Pure data -> options, in the style of report-charts.ts.
 */
import type { ProbeResult } from './analysis.js';
import type { LengthHistogram } from './corpus.js';
import type { LayerScores } from './plan.js';

type Option = Record<string, unknown>;

const axisName = (name: string, nameGap = 32) => ({ name, nameLocation: 'middle', nameGap });
const title = (text: string) => ({ text, left: 'center', textStyle: { fontSize: 14 } });

/** "512–1,023": the whole token counts a bin holds (its upper edge is exclusive). */
export function binLabel(edges: number[], bin: number): string {
  return `${edges[bin].toLocaleString('en-US')}–${(edges[bin + 1] - 1).toLocaleString('en-US')}`;
}

/**
 * Documents per length bin, split at the sequence length (histogram.ts makes seqLen a bin edge,
 * so no bin straddles it): the bins from seqLen up hold the documents training splits across
 * sequences. A document of exactly seqLen tokens still fits; it is binned with the longer ones.
 */
export function lengthHistogramOption(histogram: LengthHistogram, seqLen: number): Option {
  const { edges, counts } = histogram;
  const labels = counts.map((_, bin) => binLabel(edges, bin));
  const cut = (bin: number) => edges[bin] >= seqLen;
  return {
    animation: false,
    title: title('Document length'),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { bottom: 0 },
    grid: { left: 64, right: 24, top: 40, bottom: 104 },
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: 35, interval: 0, fontSize: 11 }, ...axisName('tokens per document', 64) },
    yAxis: { type: 'value', minInterval: 1, ...axisName('documents', 44) },
    series: [
      { name: `shorter than ${seqLen} tokens`, type: 'bar', stack: 'documents', data: counts.map((c, bin) => (cut(bin) ? null : c)) },
      { name: `${seqLen} tokens or longer`, type: 'bar', stack: 'documents', data: counts.map((c, bin) => (cut(bin) ? c : null)) },
    ],
  };
}

/** The scores a chart or reading can show, with the words for its axis. */
export const IMPORTANCE_METRICS = {
  angularLast: { label: 'angular distance', axis: 'angular distance (0 = unchanged, 1 = opposite)' },
  blockInfluence: { label: 'block influence', axis: 'block influence (1 − cosine; 0 = unchanged)' },
} as const;
export type ImportanceMetric = keyof typeof IMPORTANCE_METRICS;

/** Figure 2a: how much each block changes its input, on the domain corpus and on general text. */
export function layerImportanceOption(domain: LayerScores, general: LayerScores | null, metric: ImportanceMetric): Option {
  const line = (name: string, scores: LayerScores) => ({ name, type: 'line', data: scores.layers.map((l) => [l.index, round(l[metric])]), symbolSize: 7 });
  return {
    animation: false,
    title: title('How much each layer changes its input'),
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 72, right: 24, top: 40, bottom: 72 },
    xAxis: { type: 'value', minInterval: 1, min: 0, max: domain.layers.length - 1, ...axisName('layer (0 = first, nearest the input)') },
    yAxis: { type: 'value', min: 0, ...axisName(IMPORTANCE_METRICS[metric].axis, 48) },
    series: [line('domain text', domain), ...(general ? [line('general text', general)] : [])],
  };
}

/** The legend's words for one probe run. */
export function probeLabel(probe: { kind: ProbeResult['kind']; init?: ProbeResult['init'] }): string {
  return probe.kind === 'drop' ? 'drop layer i' : `insert a block after layer i (${probe.init ?? 'copy'})`;
}

/**
 * Figure 2b/2c: perplexity of each one-layer variant against the unchanged model. A log axis
 * when the values span more than 10x, since dropping a first layer can multiply perplexity.
 */
export function probeOption(probes: ProbeResult[]): Option {
  const values = probes.flatMap((p) => [p.baseline.perplexity, ...p.layers.map((l) => l.perplexity)]);
  const log = Math.max(...values) / Math.min(...values) > 10;
  const layers = Math.max(...probes.map((p) => p.layers.length));
  const baseline = probes[0]?.baseline.perplexity ?? 0;
  return {
    animation: false,
    title: title('Perplexity with one layer changed (lower is better)'),
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 72, right: 24, top: 40, bottom: 72 },
    xAxis: { type: 'value', minInterval: 1, min: 0, max: layers - 1, ...axisName('layer i (0 = first)') },
    yAxis: { type: log ? 'log' : 'value', scale: !log, ...axisName(`perplexity on held-out domain text${log ? ' (log scale)' : ''}`, 56) },
    series: [
      ...probes.map((p) => ({ name: probeLabel(p), type: 'line', symbolSize: 7, data: p.layers.map((l) => [l.index, round(l.perplexity)]) })),
      {
        name: 'unchanged model',
        type: 'line',
        symbol: 'none',
        // Grey in both colour schemes: a reference, not a measurement.
        itemStyle: { color: '#868e96' },
        lineStyle: { type: 'dashed', width: 1.5, color: '#868e96' },
        data: [
          [0, round(baseline)],
          [layers - 1, round(baseline)],
        ],
      },
    ],
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
