/**
 * One model's two evaluations (domain and general text) as the run report's measurement: the
 * numbers with the settings that reproduce them, QA only when it was asked for. Pure, so that
 * `slayer run` and the app's Evaluate step write the same report from the same results.
 */
import type { EvaluateResult } from './evaluation.js';
import type { Measurement, PerplexityResult, QaResult } from './report.js';

export function perplexityOf(r: EvaluateResult): PerplexityResult {
  return { meanNll: r.meanNll, perplexity: r.perplexity, tokens: r.tokens, seqLen: r.seqLen, dataHash: r.dataHash };
}

export function qaOf(r: EvaluateResult): QaResult | null {
  return r.qa && r.qaHash ? { accuracy: r.qa.accuracy, accuracyNorm: r.qa.accuracyNorm, items: r.qa.items, qaHash: r.qaHash } : null;
}

export function measurementOf(domain: EvaluateResult, general: EvaluateResult): Measurement {
  const tasks = [...(domain.tasks ?? []), ...(general.tasks ?? [])];
  return { domain: perplexityOf(domain), general: perplexityOf(general), domainQa: qaOf(domain), generalQa: qaOf(general), ...(tasks.length ? { tasks } : {}) };
}
