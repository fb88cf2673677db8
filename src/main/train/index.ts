/** The training module's public API: train a model's chosen tensors, and what a run records. */
export { train, TrainingStopped } from './trainer.js';
export type { TrainResult, TrainRunResult } from './trainer.js';
export type { TrainOptions, TrainableOption, RunSettings, SourceOption, DataFormat } from './options.js';
export { SCHEDULES } from '../../shared/schedules.js';
export type { Schedule } from '../../shared/schedules.js';
export { OPTIMIZERS } from './optimizer.js';
export type { OptimizerName } from './optimizer.js';
export type { TrainingRecord, TrainingHistory, StepRecord, EvalRecord } from './record.js';
export { CHECKPOINTS_FOLDER } from './checkpoint.js';
