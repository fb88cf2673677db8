/**
 * Results of the layer analysis: per-block scores (`slayer score`) and the drop-one /
 * insert-one probes (`slayer probe`). Computed by src/main/analysis; charted by the Analyze step.
 */
import type { ProviderName } from './compute.js';
import type { MemoryRecord } from './memory.js';
import type { LayerScores } from './plan.js';

export interface ScoreResult extends LayerScores {
  seed: number;
  /** Tokens in the calibration sequences. */
  tokens: number;
  model: { dir: string; layers: number };
  provider: ProviderName;
  threads: number;
  /** How the weights were held, and the estimate the job planned with. */
  memory: MemoryRecord;
  seconds: number;
}

export const PROBE_KINDS = ['drop', 'insert'] as const;
export type ProbeKind = (typeof PROBE_KINDS)[number];
/** How an inserted block is made: a copy of block i, or the mean of blocks i and i+1. */
export const PROBE_INITS = ['copy', 'average'] as const;
export type ProbeInit = (typeof PROBE_INITS)[number];

/** The quality of one model variant. */
export interface ProbeMeasure {
  perplexity: number;
  meanNll: number;
  /** null without a QA file. */
  qaAccuracy: number | null;
  qaAccuracyNorm: number | null;
}

export interface ProbeLayer extends ProbeMeasure {
  index: number;
  /** How the inserted block was made; null for drop. */
  init: ProbeInit | null;
}

export interface ProbeResult {
  kind: ProbeKind;
  init: ProbeInit | null;
  layers: ProbeLayer[];
  baseline: ProbeMeasure;
  /** Settings worth knowing when reading the curves (e.g. a fallback that was used). */
  notes: string[];
  seqLen: number;
  samples: number;
  seed: number;
  dataHash: string;
  qaHash: string | null;
  /** Predicted tokens of DATA per run; questions per run. */
  tokens: number;
  qaItems: number | null;
  model: { dir: string; layers: number };
  provider: ProviderName;
  threads: number;
  /** How the weights were held, and the estimate the job planned with. */
  memory: MemoryRecord;
  seconds: number;
}
