/**
 * What a training run records: the loss of every optimizer step, the held-out evaluations, and
 * the settings, model and data it ran with. Checkpoints carry it so a resumed run continues the
 * same history; the trained model's slayer.json keeps it as its "training" entry.
 */
export type { EvalRecord, RunInputs, StepRecord, TrainingHistory, TrainingRecord } from '../../shared/training.js';
