/**
 * What a training run records: the loss of every optimizer step, the held-out evaluations, and
 * the settings, model and data it ran with. Checkpoints carry it so a resumed run continues the
 * same history; the trained model's slayer.json keeps it as its "training" entry.
 */
import type { RunSettings } from './options.js';

export interface StepRecord {
  /** 1-based optimizer step. */
  step: number;
  /** Mean NLL over the step's target tokens. */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Tokens the step read (padding excluded) and the seconds it took. */
  tokens: number;
  seconds: number;
}

export interface EvalRecord {
  /** Optimizer steps done when evaluated (0: before training). */
  step: number;
  name: string;
  /** Mean NLL per target token. */
  loss: number;
  perplexity: number;
  targets: number;
}

export interface TrainingHistory {
  steps: StepRecord[];
  evals: EvalRecord[];
}

/** Identifies the model and data a run trains on: resuming on different ones is refused. */
export interface RunInputs {
  /** SHA-256 of the model's config.json and tensor index (names, dtypes, shapes, file sizes). */
  modelFingerprint: string;
  dataHash: string;
}

export interface TrainingRecord {
  version: 1;
  tool: { name: string; version: string };
  model: string;
  data: string;
  inputs: RunInputs;
  settings: RunSettings;
  trainableLayers: number[];
  trainGlobals: boolean;
  trainableParameters: number;
  trainingSequences: number;
  /** Optimizer steps completed. */
  steps: number;
  history: TrainingHistory;
  /** Throughput of the last process that trained (a resumed run measures only its own steps). */
  tokensPerSecond: number;
  /** The step the last process resumed from, or null for an uninterrupted run. */
  resumedFrom: number | null;
}
