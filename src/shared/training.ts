/**
 * Training settings, their defaults, and what a training run records and returns. The trainer
 * (src/main/train) computes them; the Inject step, reports and `slayer train` show them.
 */
import type { CorpusSplit } from './corpus.js';
import type { ChatTemplateInfo, InstructPacking, InstructPreview } from './instruct.js';
import type { MemoryRecord } from './memory.js';
import type { Schedule } from './schedules.js';

export const OPTIMIZERS = ['adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Everything that decides the sequence of weights a run produces: a resumed run must match it. */
export interface RunSettings {
  steps: number;
  seqLen: number;
  batch: number;
  gradAccum: number;
  lr: number;
  warmup: number;
  schedule: Schedule;
  finalLrRatio: number;
  weightDecay: number;
  clip: number;
  optimizer: OptimizerName;
  beta1: number;
  beta2: number;
  eps: number;
  seed: number;
  shuffle: boolean;
  split: CorpusSplit;
}

export const DEFAULTS = {
  seqLen: 512,
  batch: 8,
  gradAccum: 1,
  lr: 1e-4,
  warmupFraction: 0.05,
  schedule: 'cosine',
  finalLrRatio: 0.1,
  weightDecay: 0.1,
  clip: 1,
  optimizer: 'adamw',
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  seed: 0,
  evalSamples: 64,
  checkpointEvery: 100,
  keepCheckpoints: 2,
  dtype: 'f32',
} as const;

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
  /** Absent in records from before mixtures, instruction data and LoRA. */
  format?: TrainingFormat;
  mixture?: MixtureRecord;
  lora?: LoraSettings | null;
  /** Instruction data: the chat template the examples were rendered with, and how they were laid out. */
  instruct?: { template: ChatTemplateInfo; examples: number; packing: InstructPacking } | null;
  /** How much each trained layer changed. */
  updates?: LayerUpdate[];
}

/** Plain text (continued pre-training) or instruction examples (the instruct stage). */
export type TrainingFormat = 'text' | 'instruct';

export interface TrainResult {
  /** Optimizer steps completed (all of them, resumed or not). */
  steps: number;
  /** Mean training loss of every optimizer step, from step 1. */
  losses: number[];
  /** Tokens per second of this process's steps (evaluation and checkpoints excluded). */
  tokensPerSecond: number;
  trainableParameters: number;
  /** Absolute path of the trained model folder. */
  out: string;
  evals: EvalRecord[];
  resumedFrom: number | null;
  trainingSequences: number;
  dataHash: string;
  settings: RunSettings;
  trainableLayers: number[];
  trainGlobals: boolean;
  provider: string;
  threads: number;
  /** How the frozen weights were held, and the estimate the run planned with. */
  memory: MemoryRecord;
  seconds: number;
  /* The rest is absent in results of runs from before mixtures, instruction data and LoRA (job history). */
  format?: TrainingFormat;
  /** The sources, their weights and shares, the replay, and the tokens each gave. */
  mixture?: MixtureRecord;
  lora?: LoraSettings | null;
  /** Instruction data: the template, the counts, and the first example as the model sees it. */
  instruct?: InstructPreview | null;
  /** LoRA: the PEFT adapter folder beside the merged model. */
  adapterDir?: string | null;
  /** How much each trained layer changed (relative Frobenius norm; LoRA: effective rank too). */
  updates?: LayerUpdate[];
}

/** Projections a LoRA adapter can sit on (PEFT's target_modules names for Llama-family models). */
export const LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** LoRA's settings: rank r, alpha (the update is scaled by alpha / r), dropout on the adapter's input, where adapters sit. */
export interface LoraSettings {
  rank: number;
  alpha: number;
  dropout: number;
  targets: LoraTarget[];
  /** 0-based blocks that carry adapters (default: all). */
  layers: number[];
}

/** LLaMA-Factory's defaults (rank 8, alpha 2r, no dropout), on PEFT's usual q/v pair. */
export const LORA_DEFAULTS = { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'] as LoraTarget[] } as const;

/** One source of a training mixture, as recorded: its weight, its share of the tokens, and what it held. */
export interface MixtureSourceRecord {
  name: string;
  /** The file, folder or built corpus (absolute path). */
  data: string;
  /** The part of a built corpus read (train, or general-train for the replay). */
  split: CorpusSplit | null;
  weight: number;
  /** Share of every step's tokens: (1 - replay) * weight / sum of weights, or the replay share. */
  share: number;
  sequences: number;
  tokens: number;
  dataHash: string;
}

/** The training data of a run: domain sources mixed by weight, and general text replayed in every batch. */
export interface MixtureRecord {
  sources: MixtureSourceRecord[];
  replay: MixtureSourceRecord | null;
  /** Tokens each source gave over the whole run (sources first, then the replay). */
  tokensRead: number[];
}

/** How much one trained tensor moved: ||W_after - W_before||_F against ||W_before||_F. */
export interface TensorUpdate {
  /** Hugging Face name of the weight (for an adapter, of the weight it adapts). */
  name: string;
  deltaNorm: number;
  weightNorm: number;
  /** deltaNorm / weightNorm; null where the weight started at zero (the new blocks' o_proj and down_proj). */
  relative: number | null;
  /** LoRA: exp(entropy of the normalised singular values of B A) (Roy and Vetterli's effective rank), and r. */
  effectiveRank?: number;
  rank?: number;
}

/** One block's (or the embeddings' and head's) change over a run: the paper's per-layer analysis. */
export interface LayerUpdate {
  /** 0-based block index; null for the embeddings, final norm and LM head. */
  layer: number | null;
  /** sqrt(sum of the tensors' squared update norms) / sqrt(sum of their squared weight norms). */
  relative: number;
  deltaNorm: number;
  weightNorm: number;
  /** LoRA: the mean effective rank of the block's adapters. */
  effectiveRank?: number;
  tensors: TensorUpdate[];
}

/** What a run of this version returns: every field present. */
export type TrainRunResult = TrainResult & Required<Pick<TrainResult, 'format' | 'mixture' | 'lora' | 'instruct' | 'adapterDir' | 'updates'>>;
