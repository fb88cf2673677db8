/**
 * What a long job will cost before it starts: time from this machine's measured speed and the disk
 * space it writes, checked against the free space where it writes. Computed by src/main/estimate.
 */

/** The jobs that take long or write much, each with an estimate before it starts. */
export const ESTIMATED_JOBS = ['score', 'probe', 'eval', 'apply', 'train', 'export'] as const;
export type EstimatedJob = (typeof ESTIMATED_JOBS)[number];

/** This machine's speeds, as measured by earlier jobs in this data folder; null where none has run. */
export interface MachineSpeed {
  /** Model parameters times tokens read per second, by execution provider (forward passes: score, eval). */
  forward: Record<string, number>;
  /** The same for training (forward and backward), by execution provider. */
  train: Record<string, number>;
  /** Bytes written per second by the surgery and by exports. */
  write: { apply: number | null; export: number | null };
  /** How many finished jobs the figures come from. */
  jobs: number;
}

export interface JobEstimate {
  kind: EstimatedJob;
  /** Seconds on this machine; null when no earlier job measured the speed it needs. */
  seconds: number | null;
  /** Where the time comes from, in words ("from 3 earlier analyses on the CPU"), or why there is none. */
  basis: string;
  /** Bytes the job writes (at most). */
  diskBytes: number;
  /** Free bytes where it writes; null when the job writes nothing worth checking. */
  freeBytes: number | null;
  /** One plain line when the job will not fit on disk (what to free); null when it fits. */
  refusal: string | null;
}

/** The Analyze step's default sample for the layer scores (sequences and tokens each). */
export const ANALYZE_DEFAULTS = { samples: 64, seqLen: 128 } as const;

/** The Welcome screen's times: the demo's first analysis, and an analysis per billion parameters of a local model. */
export interface WelcomeEstimates {
  demoAnalyze: JobEstimate;
  /** Seconds to analyse one billion parameters with the Analyze step's default sample; null before any measurement. */
  analyzeSecondsPerBillion: number | null;
}
