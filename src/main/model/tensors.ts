/**
 * Names and shapes of the tensors of a Llama-family checkpoint (Hugging Face naming), and the
 * parameter counts derived from them. One source of truth for plan counts, surgery, the test
 * model generator and the engine.
 */
import type { ModelDescription, ModelShape } from '../../shared/model.js';
import type { SafetensorsDtype } from './dtypes.js';

export interface TensorSpec {
  name: string;
  shape: number[];
}

/** Per-block tensor suffixes; the full name is `model.layers.{i}.{suffix}`. */
export function blockTensorSpecs(m: ModelDescription): TensorSpec[] {
  const q = m.heads * m.headDim;
  const kv = m.kvHeads * m.headDim;
  const h = m.hiddenSize;
  const f = m.intermediateSize;
  const specs: TensorSpec[] = [
    { name: 'input_layernorm.weight', shape: [h] },
    { name: 'self_attn.q_proj.weight', shape: [q, h] },
    { name: 'self_attn.k_proj.weight', shape: [kv, h] },
    { name: 'self_attn.v_proj.weight', shape: [kv, h] },
    { name: 'self_attn.o_proj.weight', shape: [h, q] },
    { name: 'post_attention_layernorm.weight', shape: [h] },
    { name: 'mlp.gate_proj.weight', shape: [f, h] },
    { name: 'mlp.up_proj.weight', shape: [f, h] },
    { name: 'mlp.down_proj.weight', shape: [h, f] },
  ];
  if (m.attentionBias) {
    specs.push({ name: 'self_attn.q_proj.bias', shape: [q] }, { name: 'self_attn.k_proj.bias', shape: [kv] }, { name: 'self_attn.v_proj.bias', shape: [kv] });
  }
  if (m.attentionOutputBias) specs.push({ name: 'self_attn.o_proj.bias', shape: [h] });
  if (m.mlpBias) {
    specs.push({ name: 'mlp.gate_proj.bias', shape: [f] }, { name: 'mlp.up_proj.bias', shape: [f] }, { name: 'mlp.down_proj.bias', shape: [h] });
  }
  return specs;
}

export function blockTensorName(layer: number, suffix: string): string {
  return `model.layers.${layer}.${suffix}`;
}

/** Parses `model.layers.{i}.{suffix}`; null for tensors outside the blocks. */
export function parseBlockTensorName(name: string): { layer: number; suffix: string } | null {
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(name);
  return m ? { layer: Number(m[1]), suffix: m[2] } : null;
}

/** Tensors outside the blocks: embeddings, final norm, and the LM head unless tied. */
export function globalTensorSpecs(m: ModelDescription): TensorSpec[] {
  const specs: TensorSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [m.vocabSize, m.hiddenSize] },
    { name: 'model.norm.weight', shape: [m.hiddenSize] },
  ];
  if (!m.tiedEmbeddings) specs.push({ name: 'lm_head.weight', shape: [m.vocabSize, m.hiddenSize] });
  return specs;
}

/** Every tensor of the model with full names, in Hugging Face order: embeddings, blocks, final norm, LM head. */
export function modelTensorSpecs(m: ModelDescription): TensorSpec[] {
  const [embed, ...rest] = globalTensorSpecs(m);
  const block = blockTensorSpecs(m);
  const blocks = Array.from({ length: m.layers }, (_, i) => block.map((s) => ({ name: blockTensorName(i, s.name), shape: s.shape })));
  return [embed, ...blocks.flat(), ...rest];
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function blockParameters(m: ModelDescription): number {
  return blockTensorSpecs(m).reduce((n, s) => n + elementCount(s.shape), 0);
}

export function globalParameters(m: ModelDescription): number {
  return globalTensorSpecs(m).reduce((n, s) => n + elementCount(s.shape), 0);
}

/** Total parameters of the model with `layers` blocks (defaults to the model's own depth). */
export function modelParameters(m: ModelDescription, layers = m.layers): number {
  return globalParameters(m) + layers * blockParameters(m);
}

/** A tensor's bytes exactly as stored. */
export interface RawTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Buffer;
}

/** Anything that can hand out one tensor at a time as fp32 (a model folder, an in-memory map). */
export interface TensorReader {
  readonly description: ModelDescription;
  has(name: string): boolean;
  readTensor(name: string): Promise<Float32Array>;
  /** The stored bytes, for readers whose tensors are not fp32 (a model folder); absent means fp32. */
  readRawTensor?(name: string): Promise<RawTensor>;
}

/** The shape numbers that summaries of a model repeat (inspect results, plan bases). */
export function modelShape(m: ModelDescription): ModelShape {
  const { architecture, layers, hiddenSize, intermediateSize, heads, kvHeads, headDim, vocabSize, tiedEmbeddings } = m;
  return { architecture, layers, hiddenSize, intermediateSize, heads, kvHeads, headDim, vocabSize, tiedEmbeddings };
}
