/** Shared test material: reference configs, random configs, and parameter counts computed from config numbers directly. */
import { readFileSync } from 'node:fs';
import { parseModelConfig } from '../../../src/main/model/config.js';
import type { ModelDescription } from '../../../src/shared/model.js';
import type { Plan } from '../../../src/shared/plan.js';

export type RawConfig = Record<string, unknown>;

export function referenceConfig(name: 'llama-2-7b' | 'mistral-7b-v0.1' | 'qwen2-7b'): RawConfig {
  return JSON.parse(readFileSync(`tests/fixtures/reference-configs/${name}.json`, 'utf8'));
}

export function modelOf(raw: RawConfig): ModelDescription {
  return parseModelConfig(raw);
}

/** Independent count of one block from the config's numbers (HF Llama/Mistral/Qwen2 layout). */
export function blockCountFromConfig(c: RawConfig): number {
  const h = c.hidden_size as number;
  const f = c.intermediate_size as number;
  const heads = c.num_attention_heads as number;
  const headDim = (c.head_dim as number | undefined) ?? h / heads;
  const q = heads * headDim;
  const kv = ((c.num_key_value_heads as number | undefined) ?? heads) * headDim;
  const norms = 2 * h;
  const attention = q * h + 2 * kv * h + h * q;
  const mlp = 3 * h * f;
  const qkvBias = c.model_type === 'qwen2' || c.attention_bias === true ? q + 2 * kv : 0;
  // Hugging Face's Llama puts the same bias flag on o_proj; Qwen2 and Mistral never bias it.
  const oBias = c.model_type === 'llama' && c.attention_bias === true ? h : 0;
  const mlpBias = c.mlp_bias === true ? 2 * f + h : 0;
  return norms + attention + mlp + qkvBias + oBias + mlpBias;
}

export function globalCountFromConfig(c: RawConfig): number {
  const embed = (c.vocab_size as number) * (c.hidden_size as number);
  return embed + (c.hidden_size as number) + (c.tie_word_embeddings === true ? 0 : embed);
}

/** Deterministic PRNG (mulberry32) so random configs reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomConfig(next: () => number): RawConfig {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const kvHeads = pick([1, 2, 4]);
  const heads = kvHeads * pick([1, 2, 4]);
  const headDim = pick([8, 16, 32]);
  const family = pick(['llama', 'mistral', 'qwen2'] as const);
  const explicitHeadDim = next() < 0.3;
  const config: RawConfig = {
    architectures: [{ llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' }[family]],
    model_type: family,
    hidden_size: explicitHeadDim ? heads * headDim + 8 : heads * headDim,
    intermediate_size: int(8, 300),
    num_attention_heads: heads,
    num_key_value_heads: kvHeads,
    num_hidden_layers: int(1, 48),
    vocab_size: int(50, 5000),
    tie_word_embeddings: next() < 0.5,
    attention_bias: family !== 'qwen2' && next() < 0.3,
    mlp_bias: next() < 0.3,
  };
  if (explicitHeadDim) config.head_dim = headDim;
  return config;
}

/** The plan's counts recomputed layer by layer from the config numbers, not from the code under test. */
export function independentCounts(plan: Plan, c: RawConfig): { layers: number; parameters: number; trainableParameters: number } {
  const block = blockCountFromConfig(c);
  let parameters = globalCountFromConfig(c);
  let trainableParameters = plan.trainGlobals ? globalCountFromConfig(c) : 0;
  for (const layer of plan.layers) {
    parameters += block;
    if (layer.trainable) trainableParameters += block;
  }
  return { layers: plan.layers.length, parameters, trainableParameters };
}
