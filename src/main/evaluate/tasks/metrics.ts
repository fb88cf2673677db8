/**
 * Per-item metrics and their aggregation, lm-evaluation-harness style.
 *
 *   acc       [argmax_k ll_k = gold]                         (ll: summed log-likelihood of choice k)
 *   acc_norm  [argmax_k ll_k / len(choice_k) = gold]          (len: code points of the choice text)
 *   mc2       sum_{k true} p_k / sum_k p_k, p_k = exp(ll_k)   (TruthfulQA MC2; computed stably
 *             as softmax(ll) summed over the true choices)
 *   exact_match, pass@1   1 or 0 per item
 *
 * A task's value is the mean over items; its standard error is the sample standard deviation
 * (n - 1 in the denominator) over sqrt(n), the harness's mean_stderr.
 */
import type { MetricName, MetricValue } from '../../../shared/evaluation.js';
import { argmax } from '../multiple-choice.js';

export interface ChoiceScores {
  acc: number;
  acc_norm: number;
  prediction: number;
}

export function choiceScores(logLikelihoods: readonly number[], choiceTexts: readonly string[], gold: number): ChoiceScores {
  const prediction = argmax(logLikelihoods);
  const normalised = argmax(logLikelihoods.map((ll, k) => ll / Array.from(choiceTexts[k]).length));
  return { acc: prediction === gold ? 1 : 0, acc_norm: normalised === gold ? 1 : 0, prediction };
}

/** TruthfulQA MC2: the share of probability on the true choices (labels 1). */
export function mc2Score(logLikelihoods: readonly number[], labels: readonly number[]): number {
  const top = Math.max(...logLikelihoods);
  const p = logLikelihoods.map((ll) => Math.exp(ll - top));
  const total = p.reduce((a, b) => a + b, 0);
  return p.reduce((sum, pk, k) => sum + (labels[k] === 1 ? pk : 0), 0) / total;
}

export function meanWithStderr(values: readonly number[]): { value: number; stderr: number | null } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { value: mean, stderr: null };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { value: mean, stderr: Math.sqrt(variance / n) };
}

/** Each named metric's mean and standard error over the items' scores. */
export function aggregate(names: readonly MetricName[], items: readonly { scores: Partial<Record<MetricName, number>> }[]): MetricValue[] {
  return names.flatMap((name) => {
    const values = items.map((i) => i.scores[name]).filter((v): v is number => v !== undefined);
    return values.length ? [{ name, ...meanWithStderr(values) }] : [];
  });
}
