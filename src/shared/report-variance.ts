/**
 * Variance across seeds: with `slayer run --seeds N` every strategy is trained N times (seed
 * base+k orders the data and starts the training), and the report gives the mean ± standard
 * deviation of each strategy's perplexities. A difference between two strategies counts as real
 * only when it exceeds the spread: |mean_a − mean_b| > sd_a + sd_b (the two error bars do not
 * overlap). Pure (no Node imports): the renderer imports this file too.
 */
import type { Measurement } from './report.js';

export interface MeanSd {
  mean: number;
  /** Sample standard deviation (divided by n − 1); 0 for a single value. */
  sd: number;
}

/** A strategy's after-training perplexities over all its seeds, in seed order (base seed first). */
export interface RunSpread {
  seeds: number[];
  domain: MeanSd & { values: number[] };
  general: MeanSd & { values: number[] };
}

/** Mean and sample standard deviation: sd = sqrt(Σ (x − mean)² / (n − 1)). */
export function meanSd(values: readonly number[]): MeanSd {
  if (values.length === 0) throw new Error('meanSd of no values');
  const n = values.length;
  const mean = values.reduce((a, x) => a + x, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const squares = values.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(squares / (n - 1)) };
}

/** The spread of the measurements of one strategy trained with each of these seeds. */
export function spreadOf(seeds: readonly number[], afters: readonly Measurement[]): RunSpread {
  const domain = afters.map((m) => m.domain.perplexity);
  const general = afters.map((m) => m.general.perplexity);
  return { seeds: [...seeds], domain: { ...meanSd(domain), values: domain }, general: { ...meanSd(general), values: general } };
}

/** The rule the findings use: the difference of means exceeds the sum of the standard deviations. */
export function differsBeyondSpread(a: MeanSd, b: MeanSd): boolean {
  return Math.abs(a.mean - b.mean) > a.sd + b.sd;
}
