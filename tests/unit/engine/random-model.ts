/**
 * Tiny Llama-family models with seeded random weights, served from memory through the
 * TensorReader interface, for engine tests (no model folder needed).
 */
import { parseModelConfig } from '../../../src/main/model/config.js';
import { blockTensorName, blockTensorSpecs, elementCount, globalTensorSpecs, type TensorReader } from '../../../src/main/model/tensors.js';
import type { ModelDescription } from '../../../src/shared/model.js';

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Config fields of a tiny Llama; override any of them per test. */
export function tinyConfig(overrides: Record<string, unknown> = {}): ModelDescription {
  return parseModelConfig({
    architectures: ['LlamaForCausalLM'],
    hidden_size: 32,
    intermediate_size: 48,
    num_attention_heads: 4,
    num_key_value_heads: 4,
    num_hidden_layers: 3,
    vocab_size: 61,
    max_position_embeddings: 64,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: false,
    ...overrides,
  });
}

export interface MemoryModel extends TensorReader {
  tensors: Map<string, Float32Array>;
}

/**
 * Normal weights with standard deviation `scale`; norm weights around 1 so that the norms do
 * something visible. Every tensor named by the shared specs, nothing else.
 */
export function randomModel(description: ModelDescription, seed = 1, scale = 0.15): MemoryModel {
  const random = seededRandom(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const tensors = new Map<string, Float32Array>();
  const fill = (name: string, shape: number[]): void => {
    const isNorm = name.endsWith('norm.weight');
    tensors.set(name, Float32Array.from({ length: elementCount(shape) }, () => (isNorm ? 1 + 0.2 * normal() : scale * normal())));
  };
  for (const spec of globalTensorSpecs(description)) fill(spec.name, spec.shape);
  for (let layer = 0; layer < description.layers; layer++) {
    for (const spec of blockTensorSpecs(description)) fill(blockTensorName(layer, spec.name), spec.shape);
  }
  return memoryReader(description, tensors);
}

export function memoryReader(description: ModelDescription, tensors: Map<string, Float32Array>): MemoryModel {
  return {
    description,
    tensors,
    has: (name) => tensors.has(name),
    readTensor: async (name) => {
      const data = tensors.get(name);
      if (!data) throw new Error(`no tensor ${name}`);
      return data;
    },
  };
}

export function randomSequences(count: number, lengths: number[], vocabSize: number, seed = 7): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, s) => Array.from({ length: lengths[s % lengths.length] }, () => Math.floor(random() * vocabSize)));
}
