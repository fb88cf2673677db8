/**
 * Tiny Llama-family models with seeded random weights, served from memory through the
 * TensorReader interface, for engine tests (no model folder needed).
 */
import { parseModelConfig } from '../../../src/main/model/config.js';
import { deriveSeed } from '../../../src/main/data/hash32.js';
import { seededNormals } from '../../../src/tooling/seeded-normals.js';
import { elementCount, modelTensorSpecs, type TensorReader } from '../../../src/main/model/tensors.js';
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
 * Normal weights with standard deviation `scale` (larger than HF's 0.02 so that every block
 * visibly changes the hidden state); norm weights around 1 so that the norms do something.
 * Every tensor named by the shared specs, nothing else.
 */
export function randomModel(description: ModelDescription, seed = 1, scale = 0.15): MemoryModel {
  const tensors = new Map<string, Float32Array>();
  for (const { name, shape } of modelTensorSpecs(description)) {
    const stream = deriveSeed(seed, name);
    const count = elementCount(shape);
    tensors.set(name, name.endsWith('norm.weight') ? seededNormals(stream, count, 0.2, 1) : seededNormals(stream, count, scale));
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
