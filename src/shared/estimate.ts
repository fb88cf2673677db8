/**
 * Types of the plan estimates (parameters, disk, training memory, fit on this machine, time),
 * shared with the renderer. The formulas are in src/main/plan/estimate.ts and src/main/memory.
 */
import type { GpuAdapter, GpuPrecision, GpuReport, TrainingLayout } from './compute.js';
import type { Fit, GpuEstimate, MachineMemory, MemoryEstimate, MemoryPart, WeightMode } from './memory.js';

/** How weights are stored on disk: the one list of float types a model, export or plan may use. */
export const WEIGHT_DTYPES = ['f32', 'f16', 'bf16'] as const;
export type WeightDtype = (typeof WEIGHT_DTYPES)[number];

export interface TrainingMemory {
  batch: number;
  seqLen: number;
  /** The weight mode training would use here: the fastest that fits, else the one that needs least. */
  mode: WeightMode;
  /** Peak bytes in that mode, and its parts. */
  totalBytes: number;
  parts: MemoryPart[];
  /** Every mode the model's storage offers, fastest first. */
  estimates: MemoryEstimate[];
}

export interface TrainingRun {
  /** Measured wall time of one optimizer step (all its gradient-accumulation micro-batches). */
  secondsPerStep: number;
  /** Tokens to train on. */
  tokens: number;
  gradAccum: number;
}

export interface EstimateOptions {
  batch: number;
  seqLen: number;
  /** Disk size is given at this dtype; defaults to the dtype the model is stored in. */
  dtype?: WeightDtype;
  /** Defaults to this machine's memory now. */
  machine?: MachineMemory;
  /** When a step time has been measured: the time estimate. */
  run?: TrainingRun;
  /** This machine's GPU, when the estimate should show training on one. */
  gpu?: GpuReport;
}

/** Training on a GPU, both layouts, judged against this machine's GPU where a usable one answered. */
export interface GpuTrainingEstimate {
  adapter: Pick<GpuAdapter, 'name' | 'software' | 'memory'> | null;
  /** Why the fit is not judged (no GPU, a software renderer, unknown memory); null when it is. */
  note: string | null;
  precision: GpuPrecision;
  /** Layout (a), then layout (b). */
  layouts: GpuEstimate[];
  /** The layout training would take on this GPU; null where none fits or the fit is not judged. */
  layout: TrainingLayout | null;
  fit: Fit | null;
  /** The most GPU memory a job would use there. */
  budgetBytes: number | null;
}

export interface PlanEstimate {
  parameters: number;
  trainableParameters: number;
  disk: { dtype: WeightDtype; bytes: number };
  training: TrainingMemory;
  machine: MachineMemory;
  fit: Fit;
  time: { steps: number; seconds: number } | null;
  /** Present when asked for (EstimateOptions.gpu). */
  gpu?: GpuTrainingEstimate;
}
