/**
 * The Evaluate step's before/after table: one row per measure both models have, with the change
 * said in numbers, a direction word and a colour. Perplexity changes are relative (percent of
 * the base value: a 10 % drop means the same at any scale); accuracy changes are in percentage
 * points, as benchmark tables give them.
 */
import type { Measurement } from '../../shared/report';
import { percentChange } from '../../shared/report-charts';

export type Verdict = 'better' | 'worse' | 'same';

export interface ComparisonRow {
  key: 'domainPerplexity' | 'generalPerplexity' | 'domainAccuracy' | 'domainAccuracyNorm' | 'generalAccuracy' | 'generalAccuracyNorm';
  label: string;
  kind: 'perplexity' | 'accuracy';
  before: number;
  after: number;
  /** Perplexity: percent of the base value; accuracy: percentage points. */
  change: number;
  verdict: Verdict;
  beforeText: string;
  afterText: string;
  changeText: string;
}

export const formatPerplexity = (x: number) => (x >= 100 ? x.toFixed(1) : x.toFixed(2));
export const formatAccuracy = (x: number) => `${(x * 100).toFixed(1)} %`;

/** A change that rounds to 0.0 as shown is "same", so the word never contradicts the number. */
function verdictOf(improvement: number): Verdict {
  if (Math.abs(improvement) < 0.05) return 'same';
  return improvement > 0 ? 'better' : 'worse';
}

/** A change with its sign, to one decimal: +3.2 %, −1.0 points, ±0.0 % (rounds to nothing). */
export const signedChange = (x: number, unit: string) => `${Math.abs(x) < 0.05 ? '±' : x > 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} ${unit}`;

function perplexityRow(key: ComparisonRow['key'], label: string, before: number, after: number): ComparisonRow {
  const change = percentChange(before, after);
  return {
    key,
    label,
    kind: 'perplexity',
    before,
    after,
    change,
    verdict: verdictOf(-change),
    beforeText: formatPerplexity(before),
    afterText: formatPerplexity(after),
    changeText: signedChange(change, '%'),
  };
}

function accuracyRow(key: ComparisonRow['key'], label: string, before: number, after: number): ComparisonRow {
  const change = (after - before) * 100;
  return {
    key,
    label,
    kind: 'accuracy',
    before,
    after,
    change,
    verdict: verdictOf(change),
    beforeText: formatAccuracy(before),
    afterText: formatAccuracy(after),
    changeText: signedChange(change, 'points'),
  };
}

export function compareMeasurements(before: Measurement, after: Measurement): ComparisonRow[] {
  const rows = [
    perplexityRow('domainPerplexity', 'Perplexity on your documents', before.domain.perplexity, after.domain.perplexity),
    perplexityRow('generalPerplexity', 'Perplexity on general text', before.general.perplexity, after.general.perplexity),
  ];
  if (before.domainQa && after.domainQa) {
    rows.push(accuracyRow('domainAccuracy', 'Field questions: accuracy', before.domainQa.accuracy, after.domainQa.accuracy));
    rows.push(accuracyRow('domainAccuracyNorm', 'Field questions: length-normalised', before.domainQa.accuracyNorm, after.domainQa.accuracyNorm));
  }
  if (before.generalQa && after.generalQa) {
    rows.push(accuracyRow('generalAccuracy', 'General questions: accuracy', before.generalQa.accuracy, after.generalQa.accuracy));
    rows.push(accuracyRow('generalAccuracyNorm', 'General questions: length-normalised', before.generalQa.accuracyNorm, after.generalQa.accuracyNorm));
  }
  return rows;
}
