/**
 * Results of the layer analysis: per-block scores (`slayer score`) and the drop-one /
 * insert-one probes (`slayer probe`). Computed by src/main/analysis; charted by the Analyze step.
 */
import type { ProviderName } from './compute.js';
import type { MemoryRecord } from './memory.js';
import type { LayerScores } from './plan.js';

/**
 * The arithmetic of the products in scores and probes: fp32, or int8 for a quick scan (weights
 * per output channel, activations per token, sums exact in int32, the rest in fp32; see
 * docs/analysis.md for how closely it agrees with fp32).
 */
export const ANALYSIS_PRECISIONS = ['fp32', 'int8'] as const;
export type AnalysisPrecision = (typeof ANALYSIS_PRECISIONS)[number];

/** How a quick scan got its int8 weights. */
export interface QuickWeightsRecord {
  /** 'cache': read from the weight cache; 'quantised': computed now from the checkpoint. */
  source: 'cache' | 'quantised';
  /** The cache entry read or written; null when none was. */
  cacheDir: string | null;
  /** Why no cache entry was written, when one was wanted. */
  note: string | null;
  /** Seconds to read or quantise the weights. */
  seconds: number;
}

export interface ScoreResult extends LayerScores {
  /** fp32, or int8 for a quick scan. */
  precision: AnalysisPrecision;
  /** Quick scans: where the int8 weights came from; null in fp32. */
  quick: QuickWeightsRecord | null;
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

/** The probe sweep's cache of hidden states (probes start at the changed block instead of the embedding). */
export interface ProbeCacheRecord {
  /** Sequences per chunk whose states were kept at every block. */
  sequencesPerChunk: number;
  bytes: number;
}

export interface ProbeResult {
  /** fp32, or int8 for a quick scan. */
  precision: AnalysisPrecision;
  quick: QuickWeightsRecord | null;
  /** null: no room for the cache, every probe recomputed the blocks before it (see notes). */
  cache: ProbeCacheRecord | null;
  /** Blocks run in all, and what running every probe from the embedding would have run. */
  blockRuns: { run: number; uncached: number };
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
