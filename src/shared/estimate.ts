/**
 * Types of the plan estimates (parameters, disk, training memory, fit on this machine, time),
 * shared with the renderer. The formulas are in src/main/plan/estimate.ts.
 */

export type WeightDtype = 'f32' | 'f16' | 'bf16';

export type Fit = 'fits' | 'tight' | 'wont-fit';

export interface TrainingMemory {
  batch: number;
  seqLen: number;
  /** All weights, frozen and trainable, held in fp32. */
  weightsBytes: number;
  /** One fp32 gradient per trainable parameter. */
  gradientBytes: number;
  /** AdamW's first and second moments: two fp32 values per trainable parameter. */
  optimizerBytes: number;
  activationBytes: number;
  totalBytes: number;
}

export interface MachineMemory {
  totalBytes: number;
  freeBytes: number;
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
}

export interface PlanEstimate {
  parameters: number;
  trainableParameters: number;
  disk: { dtype: WeightDtype; bytes: number };
  training: TrainingMemory;
  machine: MachineMemory;
  fit: Fit;
  time: { steps: number; seconds: number } | null;
}
