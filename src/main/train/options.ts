/**
 * Training options: what callers may set (TrainOptions), the defaults that follow the S
 * strategy's recipe (docs/training.md: AdamW 0.9/0.95, eps 1e-8, warmup ~5% then
 * cosine, clip 1.0, fp32 on the CPU), and the resolved settings a run records. Bad values are
 * refused here, before any work, with one line that names the setting.
 */
import { UserError } from '../../shared/errors.js';
import type { DATA_FORMATS } from '../../shared/commands/train.js';
import type { ModelDescription } from '../../shared/model.js';
import type { WeightDtype } from '../../shared/estimate.js';
import type { BadLinePolicy, CorpusSplit } from '../data/index.js';
import type { InstructPacking } from '../../shared/instruct.js';
import type { ProviderOptions } from '../engine/providers.js';
import type { OptimizerName } from './optimizer.js';
import type { Schedule } from '../../shared/schedules.js';
import { DEFAULTS, LORA_DEFAULTS, LORA_TARGETS, type LoraSettings, type RunSettings } from '../../shared/training.js';
import type { MemorySettings } from '../memory/choose.js';
import { LORA_MODULE_PATHS } from '../engine/lora-adapters.js';
import { blockTensorSpecs } from '../model/tensors.js';

/** `auto`: the layers slayer.json marks trainable; `all`: every tensor (full fine-tuning); or 0-based block indices. */
export type TrainableOption = 'auto' | 'all' | number[];

/** One training source: a file, folder or built corpus, with an optional name and sampling weight (default 1). */
export interface SourceOption {
  name?: string;
  data: string;
  weight?: number;
}

/** What the training data is: plain text (continued pre-training) or instruction examples (the instruct stage). */
export type DataFormat = (typeof DATA_FORMATS)[number];

export interface TrainOptions extends ProviderOptions, Omit<MemorySettings, 'forceMode'> {
  /** Read frozen blocks from disk one at a time whatever else would fit. */
  streaming?: boolean;
  /**
   * Training data: a file, a folder, or a corpus built by `slayer corpus`; or several sources
   * mixed by weight (src/main/data/mixture.ts).
   */
  data: string | readonly SourceOption[];
  /** Share of every step's tokens taken from general text (0 to below 1; default 0). */
  replay?: number;
  /** The general text replayed; default: the general part of the first built corpus among the sources. */
  replayData?: string;
  /** "text" (default) or "instruct": instruction JSONL rendered with the chat template, loss on responses only. */
  format?: DataFormat;
  /** Instruction data: several examples per sequence (default) or one, padded. */
  packing?: InstructPacking;
  /** Instruction data: a Jinja chat template file instead of the model's own. */
  template?: string;
  /** Instruction data: a line that cannot be used stops the run (default) or is skipped and listed. */
  badLines?: BadLinePolicy;
  /** Train LoRA adapters (every base weight frozen) instead of the model's own tensors. */
  lora?: Partial<LoraSettings>;
  /** Which part of a built corpus to train on (default "train"). */
  split?: CorpusSplit;
  /** The trained model's folder; checkpoints go to OUT/checkpoints. */
  out: string;
  /** Optimizer steps; default one pass over the training sequences. */
  steps?: number;
  seqLen?: number;
  /** Sequences per micro-batch (one forward/backward pass). */
  batch?: number;
  /** Micro-batches per optimizer step. */
  gradAccum?: number;
  lr?: number;
  /** Warmup steps; default 5% of the steps. */
  warmup?: number;
  schedule?: Schedule;
  /** The learning rate decays to this fraction of its peak (linear and cosine). */
  finalLrRatio?: number;
  weightDecay?: number;
  /** Global gradient-norm limit; 0 turns clipping off. */
  clip?: number;
  optimizer?: OptimizerName;
  beta1?: number;
  beta2?: number;
  eps?: number;
  trainable?: TrainableOption;
  seed?: number;
  /** false: step s reads the next batch*gradAccum sequences in data order. */
  shuffle?: boolean;
  /** Held-out data evaluated at the start, every evalEvery steps and at the end. */
  evalData?: string[];
  /** 0: only at the start and the end (when there is eval data). */
  evalEvery?: number;
  /** Sequences sampled from each held-out set (seeded). */
  evalSamples?: number;
  /** Also checkpoint every this many steps (0: only when stopped and at the end). */
  checkpointEvery?: number;
  /** Complete checkpoints kept; older ones are deleted. */
  keepCheckpoints?: number;
  /** Continue from the newest complete checkpoint in OUT/checkpoints. */
  resume?: boolean;
  /** Start over in an existing OUT (its old checkpoints are deleted; its files replaced at the end). */
  overwrite?: boolean;
  /** How the final model's weights are stored. */
  dtype?: WeightDtype;
  /** Bytes of activations the LM head may use per call. */
  activationBudgetBytes?: number;
}

export type { RunSettings } from '../../shared/training.js';

export { DEFAULTS } from '../../shared/training.js';

/** The sequence length, settled before the data is read (it decides how the data is cut). */
export function resolveSeqLen(o: TrainOptions, m: ModelDescription): number {
  const seqLen = o.seqLen ?? Math.min(DEFAULTS.seqLen, m.maxPositionEmbeddings);
  wholeNumber('seqLen', seqLen, 2);
  if (seqLen > m.maxPositionEmbeddings) {
    throw new UserError(
      `The sequence length ${seqLen} is longer than the model's limit of ${m.maxPositionEmbeddings} tokens (max_position_embeddings). Choose a shorter --seq-len.`,
    );
  }
  return seqLen;
}

/** Run settings with defaults filled in; `sequences` is the number of training sequences (for the one-pass default). */
export function resolveRunSettings(o: TrainOptions, m: ModelDescription, sequences: number): RunSettings {
  const batch = o.batch ?? DEFAULTS.batch;
  const gradAccum = o.gradAccum ?? DEFAULTS.gradAccum;
  wholeNumber('batch', batch, 1);
  wholeNumber('gradAccum', gradAccum, 1);
  const steps = o.steps ?? Math.max(1, Math.ceil(sequences / (batch * gradAccum)));
  wholeNumber('steps', steps, 1);
  const warmup = o.warmup ?? Math.round(DEFAULTS.warmupFraction * steps);
  wholeNumber('warmup', warmup, 0);
  const s: RunSettings = {
    steps,
    seqLen: resolveSeqLen(o, m),
    batch,
    gradAccum,
    lr: o.lr ?? DEFAULTS.lr,
    warmup,
    schedule: o.schedule ?? DEFAULTS.schedule,
    finalLrRatio: o.finalLrRatio ?? DEFAULTS.finalLrRatio,
    weightDecay: o.weightDecay ?? DEFAULTS.weightDecay,
    clip: o.clip ?? DEFAULTS.clip,
    optimizer: o.optimizer ?? DEFAULTS.optimizer,
    beta1: o.beta1 ?? DEFAULTS.beta1,
    beta2: o.beta2 ?? DEFAULTS.beta2,
    eps: o.eps ?? DEFAULTS.eps,
    seed: o.seed ?? DEFAULTS.seed,
    shuffle: o.shuffle ?? true,
    split: o.split ?? 'train',
  };
  positive('lr', s.lr);
  inRange('finalLrRatio', s.finalLrRatio, 0, 1);
  inRange('weightDecay', s.weightDecay, 0, Infinity);
  inRange('clip', s.clip, 0, Infinity);
  inRange('beta1', s.beta1, 0, 1, true);
  inRange('beta2', s.beta2, 0, 1, true);
  positive('eps', s.eps);
  wholeNumber('seed', s.seed, 0);
  return s;
}

/** LoRA settings with defaults: rank 8, alpha 16, no dropout, on q_proj and v_proj of every block. */
export function resolveLora(o: Partial<LoraSettings>, m: ModelDescription): LoraSettings {
  const s: LoraSettings = {
    rank: o.rank ?? LORA_DEFAULTS.rank,
    alpha: o.alpha ?? LORA_DEFAULTS.alpha,
    dropout: o.dropout ?? LORA_DEFAULTS.dropout,
    targets: [...new Set(o.targets ?? LORA_DEFAULTS.targets)],
    layers: [...new Set(o.layers ?? Array.from({ length: m.layers }, (_, i) => i))].sort((a, b) => a - b),
  };
  wholeNumber('LoRA rank', s.rank, 1);
  positive('LoRA alpha', s.alpha);
  inRange('LoRA dropout', s.dropout, 0, 1, true);
  for (const t of s.targets) {
    if (!(LORA_TARGETS as readonly string[]).includes(t)) throw new UserError(`LoRA cannot adapt "${t}"; choose from ${LORA_TARGETS.join(', ')}.`);
  }
  if (s.targets.length === 0) throw new UserError(`LoRA needs at least one projection to adapt (e.g. q_proj,v_proj).`);
  for (const l of s.layers) {
    if (!Number.isInteger(l) || l < 0 || l >= m.layers) throw new UserError(`LoRA names layer ${l}, but the model has layers 0 to ${m.layers - 1} (0-based).`);
  }
  if (s.layers.length === 0) throw new UserError('LoRA needs at least one layer to adapt.');
  const specs = blockTensorSpecs(m);
  const narrowest = Math.min(...s.targets.flatMap((t) => specs.find((spec) => spec.name === `${LORA_MODULE_PATHS[t]}.weight`)!.shape));
  if (s.rank > narrowest) {
    throw new UserError(`The LoRA rank ${s.rank} is larger than the narrowest adapted weight (${narrowest}); choose a rank of at most ${narrowest}.`);
  }
  return s;
}

/** The first setting that differs between a checkpoint's run and this one, or null. */
export function settingsDifference(saved: RunSettings, now: RunSettings): string | null {
  for (const key of Object.keys(now) as (keyof RunSettings)[]) {
    if (saved[key] !== now[key]) return `${key} was ${saved[key]}, now ${now[key]}`;
  }
  return null;
}

export function wholeNumber(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new UserError(`The ${name} setting must be a whole number of at least ${min}, got ${value}.`);
}

function positive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new UserError(`The ${name} setting must be a positive number, got ${value}.`);
}

function inRange(name: string, value: number, min: number, max: number, maxExclusive = false): void {
  if (!(value >= min && value <= max) || (maxExclusive && value === max)) {
    throw new UserError(`The ${name} setting must be from ${min} to ${max}${maxExclusive ? ' (exclusive)' : ''}, got ${value}.`);
  }
}
