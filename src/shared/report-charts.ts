/**
 * ECharts options for the report's charts. Pure data -> options, shared by the Evaluate step
 * (vue-echarts in the renderer) and report.html (the same options rendered to static SVG).
 */
import type { LayerScores } from './plan.js';
import type { RunReport } from './report.js';

type Option = Record<string, unknown>;

const axisName = (name: string) => ({ name, nameLocation: 'middle', nameGap: 32 });

export function layerScoresOption(domain: LayerScores, general: LayerScores | null): Option {
  const series = [
    { name: 'domain text', type: 'line', data: domain.layers.map((l) => [l.index, l.angularLast]), symbolSize: 6 },
    ...(general ? [{ name: 'general text', type: 'line', data: general.layers.map((l) => [l.index, l.angularLast]), symbolSize: 6 }] : []),
  ];
  return {
    animation: false,
    title: { text: 'How much each layer changes its input', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 64, right: 24, top: 48, bottom: 64 },
    xAxis: { type: 'value', minInterval: 1, ...axisName('layer (0 = first)') },
    yAxis: { type: 'value', min: 0, ...axisName('angular distance (0-1)'), nameGap: 44 },
    series,
  };
}

/** Perplexity on domain and general text: base model, then each strategy after training. */
export function perplexityOption(report: RunReport): Option {
  const labels = ['base', ...report.runs.map((r) => r.label)];
  const measurements = [report.before, ...report.runs.map((r) => r.after)];
  return {
    animation: false,
    title: { text: 'Perplexity before and after (lower is better)', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 64, right: 24, top: 48, bottom: 64 },
    xAxis: { type: 'category', data: labels },
    yAxis: { type: 'value', ...axisName('perplexity'), nameGap: 44 },
    series: [
      { name: `${report.domain} text`, type: 'bar', data: measurements.map((m) => round(m.domain.perplexity)) },
      { name: 'general text', type: 'bar', data: measurements.map((m) => round(m.general.perplexity)) },
    ],
  };
}

/** The paper's Figure-5 view: domain gain against general loss, one point per strategy. */
export function gainVersusForgettingOption(report: RunReport): Option {
  const base = report.before;
  const points = report.runs.map((r) => ({
    name: r.label,
    value: [
      round(percentChange(base.general.perplexity, r.after.general.perplexity)),
      round(-percentChange(base.domain.perplexity, r.after.domain.perplexity)),
    ],
  }));
  return {
    animation: false,
    title: { text: 'Domain gain vs. general forgetting', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'item' },
    grid: { left: 64, right: 32, top: 48, bottom: 56 },
    xAxis: { type: 'value', ...axisName('general perplexity change (%; right = forgetting)') },
    yAxis: { type: 'value', ...axisName('domain perplexity drop (%; up = gain)'), nameGap: 44 },
    series: [
      {
        type: 'scatter',
        symbolSize: 14,
        data: points,
        label: { show: true, position: 'top', formatter: '{b}' },
      },
    ],
  };
}

export function trainingLossOption(report: RunReport): Option {
  return {
    animation: false,
    title: { text: 'Training loss', left: 'center', textStyle: { fontSize: 14 } },
    tooltip: { trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { left: 64, right: 24, top: 48, bottom: 64 },
    xAxis: { type: 'value', minInterval: 1, ...axisName('optimizer step') },
    yAxis: { type: 'value', scale: true, ...axisName('loss (nats per token)'), nameGap: 44 },
    series: report.runs.map((r) => ({ name: r.label, type: 'line', showSymbol: false, data: r.training.losses.map((l, i) => [i + 1, l]) })),
  };
}

export function percentChange(before: number, after: number): number {
  return ((after - before) / before) * 100;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
