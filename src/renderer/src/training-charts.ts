/**
 * ECharts options for training: the loss per optimizer step with the held-out losses over it,
 * the learning rate, and two runs' losses overlaid for comparison. Pure data -> options, in the
 * style of src/shared/analysis-charts.ts. Loss is the mean negative log-likelihood per predicted
 * token, in nats (natural log), so it reads on the same scale as log(perplexity).
 */
import type { Point, RunCurves } from './training-run';

type Option = Record<string, unknown>;

const axisName = (name: string, nameGap = 32) => ({ name, nameLocation: 'middle', nameGap });
const title = (text: string) => ({ text, left: 'center', textStyle: { fontSize: 14 } });
const STEP_AXIS = 'optimizer step';
export const LOSS_AXIS = 'loss (nats per token, lower is better)';

/** Words for the held-out sets a built corpus brings (src/main/train/eval-sets.ts); other sets keep their file name. */
const EVAL_SET_WORDS: Record<string, string> = { domain: 'held-out: your documents', general: 'held-out: general text' };
export const evalSetLabel = (name: string) => EVAL_SET_WORDS[name] ?? `held-out: ${name}`;

/** Under the title, small enough for four entries on one line, so it never covers the step axis. */
const LEGEND = { top: 30, itemGap: 10, itemWidth: 16, textStyle: { fontSize: 11 } };
/** Grey in both colour schemes: the raw per-step loss behind its trend. */
const RAW_GREY = '#868e96';
/** Below this many steps the raw loss is shown alone: there is no trend to smooth out yet. */
const SMOOTH_FROM = 20;
const SMOOTHING = 0.9;

/**
 * Exponential moving average with its start-up bias removed (as TensorBoard smooths), so the
 * noisy loss of small batches shows its trend:
 *   m_t = w m_(t-1) + (1 - w) x_t,  m_0 = 0;   shown: m_t / (1 - w^t)
 */
export function smoothed(points: readonly Point[], weight = SMOOTHING): Point[] {
  let m = 0;
  return points.map(([step, x], i) => {
    m = weight * m + (1 - weight) * x;
    return [step, m / (1 - weight ** (i + 1))];
  });
}
const round = (x: number, digits = 4) => Number(x.toFixed(digits));
/** x from 0 (held-out losses are measured before step 1) to the run's last step, once known. */
const stepAxis = (steps: number | null) => ({ type: 'value', min: 0, minInterval: 1, ...(steps ? { max: steps } : {}), ...axisName(STEP_AXIS, 28) });

/** Training loss per step, and each held-out set's loss at the steps it was measured. */
export function lossOption(c: RunCurves, steps: number | null): Option {
  return {
    animation: false,
    title: title('Loss'),
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (typeof v === 'number' ? v.toFixed(4) : v) },
    legend: LEGEND,
    grid: { left: 64, right: 24, top: 70, bottom: 48 },
    xAxis: stepAxis(steps),
    yAxis: { type: 'value', scale: true, ...axisName(LOSS_AXIS, 44) },
    series: [
      ...(c.loss.length < SMOOTH_FROM
        ? [{ name: 'training loss', type: 'line', symbolSize: 4, data: c.loss.map(([s, v]) => [s, round(v)]) }]
        : [
            {
              name: 'training loss (smoothed)',
              type: 'line',
              showSymbol: false,
              lineStyle: { width: 2.5 },
              data: smoothed(c.loss).map(([s, v]) => [s, round(v)]),
            },
            {
              name: 'training loss, each step',
              type: 'line',
              showSymbol: false,
              itemStyle: { color: RAW_GREY },
              lineStyle: { width: 1, color: RAW_GREY, opacity: 0.6 },
              data: c.loss.map(([s, v]) => [s, round(v)]),
            },
          ]),
      ...Object.entries(c.evals).map(([name, points]) => ({
        name: evalSetLabel(name),
        type: 'line',
        symbolSize: 7,
        data: points.map(([s, v]) => [s, round(v)]),
      })),
    ],
  };
}

/** The learning rate each step used: warmup, then the schedule's decay. */
export function learningRateOption(c: RunCurves, steps: number | null): Option {
  return {
    animation: false,
    title: title('Learning rate'),
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (typeof v === 'number' ? v.toExponential(2) : v) },
    grid: { left: 72, right: 24, top: 40, bottom: 48 },
    xAxis: stepAxis(steps),
    yAxis: {
      type: 'value',
      min: 0,
      axisLabel: { formatter: (v: number) => (v === 0 ? '0' : v.toExponential(0)) },
      ...axisName('learning rate (per step)', 52),
    },
    series: [{ name: 'learning rate', type: 'line', showSymbol: false, areaStyle: { opacity: 0.12 }, data: c.lr.map(([s, v]) => [s, v]) }],
  };
}

/** Two or more runs' training losses on one chart. */
export function compareLossOption(runs: readonly { label: string; loss: Point[] }[]): Option {
  const steps = Math.max(1, ...runs.map((r) => r.loss.at(-1)?.[0] ?? 0));
  return {
    animation: false,
    title: title('Training loss'),
    tooltip: { trigger: 'axis' },
    legend: LEGEND,
    grid: { left: 64, right: 24, top: 70, bottom: 48 },
    xAxis: stepAxis(steps),
    yAxis: { type: 'value', scale: true, ...axisName(LOSS_AXIS, 44) },
    series: runs.map((r) => ({ name: r.label, type: 'line', showSymbol: false, data: r.loss.map(([s, v]) => [s, round(v)]) })),
  };
}
