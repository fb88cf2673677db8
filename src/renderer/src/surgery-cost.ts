/**
 * What the surgery cost, measured before training in the Inject step: the original and the built
 * model evaluated the same way (perplexity on the corpus's held-out documents, and on its general
 * text when it has some). Deleting and refreshing layers change the model on purpose; this says
 * by how much, so that the Evaluate step's after-training numbers show what training recovered.
 * A plan that only adds identity blocks is not measured: its built model computes exactly the
 * original's function (the function check confirms it).
 */
import type { JobRequestParams } from '../../shared/jobs';
import type { Measurement } from '../../shared/report';
import { percentChange } from '../../shared/report-charts';
import { formatPerplexity, signedChange } from './before-after';

/** The Inject step's step-runs purpose for these jobs; the run also records the build it measured under APPLY_KEY. */
export const SURGERY_COST_RUN = 'surgery-cost';
export const APPLY_KEY = 'apply';
/** Small and fixed, so the measurement takes about as long as a short evaluation. */
export const SURGERY_COST_SAMPLES = 64;

export type CostSide = 'domain' | 'general';
const SPLITS: Record<CostSide, 'validation' | 'general-validation'> = { domain: 'validation', general: 'general-validation' };
const SIDE_WORDS: Record<CostSide, string> = { domain: 'Perplexity on your documents', general: 'Perplexity on general text' };

export interface CostJob {
  /** base-domain, built-domain, base-general, built-general. */
  name: string;
  params: JobRequestParams<'eval'>;
}

export function surgeryCostJobs(corpus: string, baseDir: string, builtDir: string, seqLen: number, hasGeneral: boolean): CostJob[] {
  const sides: CostSide[] = hasGeneral ? ['domain', 'general'] : ['domain'];
  return sides.flatMap((side) =>
    (
      [
        ['base', baseDir],
        ['built', builtDir],
      ] as const
    ).map(([role, modelDir]) => ({
      name: `${role}-${side}`,
      params: { modelDir, data: corpus, split: SPLITS[side], seqLen, samples: SURGERY_COST_SAMPLES, seed: 0 },
    })),
  );
}

export interface CostRow {
  side: CostSide;
  label: string;
  original: string;
  built: string;
  /** Percent of the original's perplexity (positive: the surgery made it worse). */
  change: number;
  changeText: string;
}

/** One row per side both models were measured on (`results` by job name: base-domain, built-domain, ...). */
export function surgeryCostRows(results: Partial<Record<string, { perplexity: number }>>): CostRow[] {
  return (['domain', 'general'] as const).flatMap((side) => {
    const base = results[`base-${side}`];
    const built = results[`built-${side}`];
    if (!base || !built) return [];
    const change = percentChange(base.perplexity, built.perplexity);
    return [
      {
        side,
        label: SIDE_WORDS[side],
        original: formatPerplexity(base.perplexity),
        built: formatPerplexity(built.perplexity),
        change,
        changeText: signedChange(change, '%'),
      },
    ];
  });
}

/** The same measurements as the pipeline's evaluate-base and evaluate-built-s stages recorded them, by job name. */
export function stageCostResults(base: Measurement, built: Measurement): Record<string, { perplexity: number }> {
  return { 'base-domain': base.domain, 'built-domain': built.domain, 'base-general': base.general, 'built-general': built.general };
}

/** The rows in one sentence. */
export function surgeryCostWords(rows: readonly CostRow[]): string {
  const domain = rows.find((r) => r.side === 'domain');
  if (!domain) return '';
  const direction = domain.change > 0 ? 'raised' : 'lowered';
  const general = rows.find((r) => r.side === 'general');
  const also = general ? ` and on general text by ${general.changeText}` : '';
  return `Before training, deleting and refreshing layers ${direction} perplexity on your documents by ${domain.changeText}${also}. Training the new and refreshed layers should win this back; the Evaluate step compares the trained model with the original.`;
}
