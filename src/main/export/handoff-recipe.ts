/**
 * The continued pre-training recipe the hand-off configs carry (docs/training.md, LLaMA
 * Pro practice): causal LM loss on packed sequences, AdamW with betas (0.9, 0.95) and eps 1e-8,
 * warmup over 5% of the steps (the recommended 3-6%) then cosine decay, gradient clipping 1.0,
 * bf16, learning rate 1e-4. Weight decay is 0: the recipe asks for none on norms and biases, and
 * the trainers apply one value to everything else; set one there if wanted. Batch sizes are a
 * starting point per GPU: effective batch = GPUs x micro batch x accumulation steps.
 */
import type { ModelDescription } from '../../shared/model.js';
import { float, type YamlNode } from './yaml-lines.js';

export const RECIPE = {
  learningRate: 1e-4,
  warmupRatio: 0.05,
  scheduler: 'cosine',
  adamBeta1: 0.9,
  adamBeta2: 0.95,
  adamEpsilon: 1e-8,
  weightDecay: 0,
  maxGradNorm: 1.0,
  microBatch: 1,
  gradientAccumulation: 8,
  epochs: 1,
  loggingSteps: 10,
  saveSteps: 500,
} as const;

export type Trainer = 'llamafactory' | 'axolotl';

/** What a hand-off config is written for. */
export interface HandoffInput {
  /** Absolute path of the model to train. */
  modelPath: string;
  description: ModelDescription;
  /** 0-based indices, in this model, of the blocks to train. */
  trainableLayers: number[];
  /** Embeddings, final norm and LM head are trained too. */
  trainGlobals: boolean;
}

/** Training window: 2048 tokens, or the model's context when shorter. */
export function sequenceLength(m: ModelDescription): number {
  return Math.min(2048, m.maxPositionEmbeddings);
}

/** Files every hand-off folder holds besides the trainer's own config. */
export const HANDOFF_README = 'README-handoff.md';
export const DEEPSPEED_FILE = 'deepspeed-zero2.json';
/** The corpus the configs point at: JSON lines {"text": "..."}, one document per line. */
export const CORPUS_PLACEHOLDER = 'corpus.jsonl';

/**
 * ZeRO stage 2 (optimizer state and gradients sharded across GPUs; weights replicated), the usual
 * choice when the model fits one GPU. "auto" values are filled in by the Hugging Face Trainer
 * from the trainer config, so the two never disagree.
 */
export const DEEPSPEED_ZERO2 = {
  train_batch_size: 'auto',
  train_micro_batch_size_per_gpu: 'auto',
  gradient_accumulation_steps: 'auto',
  gradient_clipping: 'auto',
  zero_allow_untested_optimizer: true,
  bf16: { enabled: 'auto' },
  fp16: { enabled: 'auto', loss_scale: 0, loss_scale_window: 1000, initial_scale_power: 16, hysteresis: 2, min_loss_scale: 1 },
  zero_optimization: {
    stage: 2,
    allgather_partitions: true,
    allgather_bucket_size: 5e8,
    overlap_comm: true,
    reduce_scatter: true,
    reduce_bucket_size: 5e8,
    contiguous_gradients: true,
    round_robin_gradients: true,
  },
};

/** AdamW, decay, clipping and bf16 lines: the same keys (Hugging Face TrainingArguments) in both trainers' configs. */
export function optimizerYaml(): YamlNode[] {
  return [
    { key: 'adam_beta1', value: float(RECIPE.adamBeta1) },
    { key: 'adam_beta2', value: float(RECIPE.adamBeta2) },
    { key: 'adam_epsilon', value: float(RECIPE.adamEpsilon) },
    { key: 'weight_decay', value: float(RECIPE.weightDecay) },
    { key: 'max_grad_norm', value: float(RECIPE.maxGradNorm) },
    { key: 'bf16', value: true },
  ];
}
