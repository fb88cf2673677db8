/**
 * The report's plain-language findings and the forgetting check behind them. Shared by main
 * (report.json, report.html) and the Evaluate step, so the page and the saved report warn about
 * the same runs. Pure (no Node imports): the renderer imports this file too.
 */
import type { Measurement, RunReport, StrategyRun } from './report.js';
import { percentChange } from './report-charts.js';
import { differsBeyondSpread, type MeanSd } from './report-variance.js';

/**
 * Forgetting limit (a user setting; default 5 %): general perplexity may rise by at most this
 * share, and general QA accuracy may fall by at most this many hundredths (5 points). Accuracy is
 * compared in points, as benchmark tables do, because a relative change explodes near zero.
 */
export const DEFAULT_FORGETTING_THRESHOLD = 0.05;

export interface Forgetting {
  /** General perplexity change in percent (positive = worse). */
  perplexityChange: number;
  /** General QA accuracy change in percentage points (negative = worse); null unless both sides answered the general questions. */
  accuracyChange: number | null;
  /** What passed the limit, in words; empty when nothing general was forgotten past it. */
  reasons: string[];
}

export function checkForgetting(before: Measurement, after: Measurement, threshold = DEFAULT_FORGETTING_THRESHOLD): Forgetting {
  const perplexityChange = percentChange(before.general.perplexity, after.general.perplexity);
  const accuracyChange = before.generalQa && after.generalQa ? (after.generalQa.accuracy - before.generalQa.accuracy) * 100 : null;
  const limit = limitWords(threshold);
  const reasons: string[] = [];
  if (perplexityChange / 100 > threshold) reasons.push(`general perplexity rose ${signed(perplexityChange)} (limit ${limit} %)`);
  if (accuracyChange !== null && -accuracyChange / 100 > threshold) {
    reasons.push(`general QA accuracy fell ${(-accuracyChange).toFixed(1)} points (limit ${limit} points)`);
  }
  return { perplexityChange, accuracyChange, reasons };
}

function describe(run: StrategyRun, before: Measurement, threshold: number): string[] {
  const domain = percentChange(before.domain.perplexity, run.after.domain.perplexity);
  const general = percentChange(before.general.perplexity, run.after.general.perplexity);
  const lines = [
    `${run.label}: domain perplexity ${fmt(before.domain.perplexity)} → ${fmt(run.after.domain.perplexity)} (${signed(domain)}), general perplexity ${fmt(before.general.perplexity)} → ${fmt(run.after.general.perplexity)} (${signed(general)}).`,
  ];
  if (run.built && !run.builtIsBase) {
    const cost = percentChange(before.domain.perplexity, run.built.domain.perplexity);
    const generalCost = percentChange(before.general.perplexity, run.built.general.perplexity);
    lines.push(
      `${run.label} before training: the surgery moved domain perplexity ${fmt(before.domain.perplexity)} → ${fmt(run.built.domain.perplexity)} (${signed(cost)}) and general perplexity ${fmt(before.general.perplexity)} → ${fmt(run.built.general.perplexity)} (${signed(generalCost)}); training then took domain perplexity to ${fmt(run.after.domain.perplexity)}.`,
    );
  }
  const forgot = checkForgetting(before, run.after, threshold).reasons;
  if (forgot.length) lines.push(`Warning: ${run.label} forgot some general ability — ${forgot.join('; ')}. Try fewer steps or a lower learning rate.`);
  if (domain >= 0) lines.push(`${run.label} did not improve the domain perplexity. Train longer or on more documents.`);
  return lines;
}

export function reportFindings(report: Omit<RunReport, 'findings'>, threshold = DEFAULT_FORGETTING_THRESHOLD): string[] {
  const lines = report.runs.flatMap((r) => describe(r, report.before, threshold));
  const s = report.runs.find((r) => r.strategy === 's');
  const others = report.runs.filter((r) => r !== s);
  if (s && others.length && report.runs.every((r) => r.spread)) {
    lines.push(...seedFindings(s, others));
  } else if (s && others.length) {
    const best = [...report.runs].sort((a, b) => a.after.domain.perplexity - b.after.domain.perplexity)[0];
    lines.push(
      `Lowest domain perplexity after training: ${best.label}${best === s ? ' (the S strategy)' : ' — at this scale the S strategy did not win on domain perplexity'}.`,
    );
  }
  return lines;
}

/**
 * Several seeds: each strategy's mean ± sd, and S against each baseline on domain perplexity,
 * called a win only when the difference of means exceeds the sum of the standard deviations.
 */
function seedFindings(s: StrategyRun, others: StrategyRun[]): string[] {
  const n = s.spread!.seeds.length;
  const lines = [
    `Across ${n} seeds (mean ± standard deviation after training): ${[s, ...others].map((r) => `${r.label} domain perplexity ${pm(r.spread!.domain)}, general ${pm(r.spread!.general)}`).join('; ')}.`,
  ];
  for (const other of others) {
    const a = s.spread!.domain;
    const b = other.spread!.domain;
    const gap = `difference ${fmt(Math.abs(a.mean - b.mean))}, spread ${fmt(a.sd + b.sd)}`;
    if (!differsBeyondSpread(a, b)) {
      lines.push(
        `${s.label} and ${other.label} do not differ on domain perplexity beyond the spread across seeds: ${pm(a)} vs ${pm(b)} (${gap}). Train with more seeds or longer to tell them apart.`,
      );
    } else {
      const [winner, loser] = a.mean < b.mean ? [s, other] : [other, s];
      lines.push(`${winner.label} beats ${loser.label} on domain perplexity: ${pm(winner.spread!.domain)} vs ${pm(loser.spread!.domain)} (${gap}).`);
    }
  }
  lines.push('A difference counts as real only when the difference of the means exceeds the sum of the two standard deviations (the spread).');
  return lines;
}

const pm = (m: MeanSd) => `${fmt(m.mean)} ± ${fmt(m.sd)}`;
/** The limit as people write it: 5, 2.5. */
const limitWords = (threshold: number) => String(Number((threshold * 100).toFixed(2)));
const fmt = (x: number) => (x >= 100 ? x.toFixed(1) : x.toFixed(2));
const signed = (pct: number) => `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
