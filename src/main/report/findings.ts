/** The report's plain-language findings: domain gain, general forgetting, and warnings. */
import type { Measurement, RunReport, StrategyRun } from '../../shared/report.js';
import { percentChange } from '../../shared/report-charts.js';

/** Warn when general perplexity rises by more than this share (a user setting; default 5 %). */
export const DEFAULT_FORGETTING_THRESHOLD = 0.05;

function describe(run: StrategyRun, before: Measurement, threshold: number): string[] {
  const domain = percentChange(before.domain.perplexity, run.after.domain.perplexity);
  const general = percentChange(before.general.perplexity, run.after.general.perplexity);
  const lines = [
    `${run.label}: domain perplexity ${fmt(before.domain.perplexity)} → ${fmt(run.after.domain.perplexity)} (${signed(domain)}), general perplexity ${fmt(before.general.perplexity)} → ${fmt(run.after.general.perplexity)} (${signed(general)}).`,
  ];
  if (general / 100 > threshold) {
    lines.push(`Warning: ${run.label} forgot some general ability — general perplexity rose ${signed(general)}, more than the ${Math.round(threshold * 100)} % limit. Try fewer steps or a lower learning rate.`);
  }
  if (domain >= 0) lines.push(`${run.label} did not improve the domain perplexity. Train longer or on more documents.`);
  return lines;
}

export function reportFindings(report: Omit<RunReport, 'findings'>, threshold = DEFAULT_FORGETTING_THRESHOLD): string[] {
  const lines = report.runs.flatMap((r) => describe(r, report.before, threshold));
  const s = report.runs.find((r) => r.strategy === 's');
  const others = report.runs.filter((r) => r !== s);
  if (s && others.length) {
    const best = [...report.runs].sort((a, b) => a.after.domain.perplexity - b.after.domain.perplexity)[0];
    lines.push(`Lowest domain perplexity after training: ${best.label}${best === s ? ' (the S strategy)' : ' — at this scale the S strategy did not win on domain perplexity'}.`);
  }
  return lines;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(1) : x.toFixed(2));
const signed = (pct: number) => `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} %`;
