/**
 * How much work a job is and how much it writes, from the model's config alone. Time follows from
 * the work and this machine's measured speed (speed.ts): a forward or training pass costs in
 * proportion to parameters x tokens, so one speed in parameter-tokens per second carries over
 * from the demo model to a 7B model; writing costs in proportion to bytes.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { WeightDtype } from '../../shared/estimate.js';
import { DEFAULTS } from '../../shared/training.js';
import { blockParameters, globalParameters, modelParameters } from '../model/tensors.js';
import { BYTES_PER_ELEMENT, storedDtype } from '../plan/estimate.js';

/** A checkpoint holds each trained value and AdamW's two moments, in fp32. */
const CHECKPOINT_BYTES_PER_TRAINED = 3 * 4;
/** Hand-off configs (LLaMA-Factory, Axolotl) and a PEFT adapter's files besides its weights: a generous bound. */
export const SMALL_OUTPUT_BYTES = 16 * 2 ** 20;

export interface JobWork {
  /** Parameter-tokens of forward passes (score, probe, eval). */
  forward: number;
  /** Parameter-tokens of training steps. */
  train: number;
  /** Bytes written: the model folder, checkpoints, exports. */
  bytes: number;
}

const NONE: JobWork = { forward: 0, train: 0, bytes: 0 };

/** Scores: one pass of `samples` sequences of `seqLen` tokens through the whole model. */
export function scoreWork(m: ModelDescription, samples: number, seqLen: number): JobWork {
  return { ...NONE, forward: modelParameters(m) * samples * seqLen };
}

/**
 * Probes: one run per block, each starting from the unchanged model's states at that block, so
 * run i passes through the L - i blocks after it: L(L+1)/2 blocks in all, plus the model once.
 */
export function probeWork(m: ModelDescription, samples: number, seqLen: number): JobWork {
  const blocks = (m.layers * (m.layers + 1)) / 2;
  const perToken = modelParameters(m) + blocks * blockParameters(m) + m.layers * globalParameters(m);
  return { ...NONE, forward: perToken * samples * seqLen };
}

export function evalWork(m: ModelDescription, samples: number, seqLen: number): JobWork {
  return { ...NONE, forward: modelParameters(m) * samples * seqLen };
}

/** The surgery writes the plan's model, stored like its base; `besideWeights`: tokenizer and config files. */
export function applyWork(m: ModelDescription, planParameters: number, besideWeights: number): JobWork {
  return { ...NONE, bytes: planParameters * BYTES_PER_ELEMENT[storedDtype(m)] + besideWeights };
}

export interface TrainShape {
  steps: number;
  batch: number;
  gradAccum: number;
  seqLen: number;
  /** Values that train (for the checkpoints). */
  trainedParameters: number;
  keepCheckpoints: number;
  dtype: WeightDtype;
}

/**
 * Training: steps x batch x accumulation x length tokens through the model; it writes the trained
 * model and keeps `keepCheckpoints` checkpoints (one more while the newest is written).
 */
export function trainWork(m: ModelDescription, s: TrainShape, besideWeights: number): JobWork {
  const tokens = s.steps * s.batch * s.gradAccum * s.seqLen;
  const model = modelParameters(m) * BYTES_PER_ELEMENT[s.dtype] + besideWeights;
  const checkpoints = (s.keepCheckpoints + 1) * s.trainedParameters * CHECKPOINT_BYTES_PER_TRAINED;
  return { ...NONE, train: modelParameters(m) * tokens, bytes: model + checkpoints };
}

/** The shape a train job runs with: its parameters, the trainer's defaults for what they leave out. */
export function trainShape(
  p: { steps?: number; batch?: number; gradAccum?: number; seqLen?: number; dtype?: WeightDtype },
  trainedParameters: number,
): TrainShape {
  return {
    steps: p.steps ?? 0,
    batch: p.batch ?? DEFAULTS.batch,
    gradAccum: p.gradAccum ?? DEFAULTS.gradAccum,
    seqLen: p.seqLen ?? DEFAULTS.seqLen,
    trainedParameters,
    keepCheckpoints: DEFAULTS.keepCheckpoints,
    dtype: p.dtype ?? DEFAULTS.dtype,
  };
}

/** Exports: a model format writes every weight at its dtype (default: as stored); hand-off configs and adapters are small. */
export function exportWork(m: ModelDescription, format: string, dtype: WeightDtype | undefined, besideWeights: number): JobWork {
  if (format !== 'hf' && format !== 'gguf') return { ...NONE, bytes: SMALL_OUTPUT_BYTES };
  return { ...NONE, bytes: modelParameters(m) * BYTES_PER_ELEMENT[dtype ?? storedDtype(m)] + besideWeights };
}
