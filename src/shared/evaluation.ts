/**
 * What evaluation reports: held-out perplexity, multiple-choice accuracy and generated text.
 * Computed by src/main/evaluate; shown by the Evaluate step, reports and `slayer eval`.
 */
import type { ProviderName } from './compute.js';
import type { MemoryRecord } from './memory.js';

export interface Perplexity {
  meanNll: number;
  perplexity: number;
  /** Predicted tokens (each sequence's length minus one, summed). */
  tokens: number;
}

export interface MultipleChoiceResult {
  accuracy: number;
  accuracyNorm: number;
  items: number;
}

export interface Quality extends Perplexity {
  qa: MultipleChoiceResult | null;
}

export interface EvaluateResult extends Quality {
  seqLen: number;
  /** Sequences evaluated. */
  samples: number;
  seed: number;
  dataHash: string;
  qaHash: string | null;
  model: { dir: string; layers: number };
  provider: ProviderName;
  threads: number;
  /** How the weights were held, and the estimate the job planned with. */
  memory: MemoryRecord;
  seconds: number;
}

export interface SamplingOptions {
  /** 0 = greedy. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 = no limit. */
  topK: number;
  /** Keep the most likely tokens up to this total probability; 1 = no limit. */
  topP: number;
}

export interface GenerateOptions extends SamplingOptions {
  maxTokens: number;
  seed: number;
}

export type StopReason = 'eos' | 'max-tokens' | 'context-full';

export interface GenerateResult extends GenerateOptions {
  prompt: string;
  /** The new text only, special tokens left out. */
  text: string;
  tokens: number[];
  promptTokens: number[];
  stopReason: StopReason;
  provider: ProviderName;
  /** How the weights were held, and the estimate the job planned with. */
  memory: MemoryRecord;
  seconds: number;
}
