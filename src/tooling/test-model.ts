/**
 * Deterministic generator of tiny random Llama-family model folders (config.json, safetensors
 * through our own writer, tokenizer.json + tokenizer_config.json), so that no test, benchmark or
 * demo depends on a download. Every variant the product must handle can be produced: f32/f16/bf16,
 * sharded, tied embeddings, q/k/v biases (Qwen2), GQA, Llama 3.1 RoPE scaling, explicit head_dim.
 *
 * Weights follow Hugging Face's initialisation scale (normal, std 0.02; RMSNorm gains near 1) so
 * forward passes stay numerically tame. Each tensor draws from its own stream seeded by (seed,
 * tensor name): the same seed gives the same values whatever the dtype, sharding or write order.
 */
import { basename, join } from 'node:path';
import type { Family, ModelDescription } from '../shared/model.js';
import { throwIfCancelled, type TaskControl } from '../shared/progress.js';
import { writeFolderAtomic, writeJsonAtomic } from '../main/fs/atomic.js';
import type { WeightDtype } from '../shared/estimate.js';
import { parseModelConfig } from '../main/model/config.js';
import { deriveSeed } from '../main/data/hash32.js';
import { seededNormals } from './seeded-normals.js';
import { SafetensorsWriter, type TensorDeclaration } from '../main/model/safetensors-writer.js';
import { SAFETENSORS_DTYPE, TORCH_DTYPE } from '../main/model/torch-dtype.js';
import { elementCount, modelTensorSpecs } from '../main/model/tensors.js';
import { buildTinyTokenizer, type TokenizerStyle } from './tiny-tokenizer.js';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../main/model/tokenizer.js';

const ARCHITECTURE: Record<Family, string> = { llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM' };

/** Hugging Face's initializer_range: the std of every generated weight matrix and bias. */
export const INIT_STD = 0.02;

export interface TestModelOptions {
  family?: Family;
  /** Llama 3.1 layout: llama3 RoPE scaling, rope_theta 500000, byte-level tokenizer. */
  llama3?: boolean;
  layers: number;
  hiddenSize: number;
  intermediateSize: number;
  heads: number;
  /** Fewer than heads gives grouped-query attention. Default: heads. */
  kvHeads?: number;
  /** Written to config.json only when given; otherwise hiddenSize / heads. */
  headDim?: number;
  /**
   * Rows of the embedding. The tokenizer uses at most this many ids: bytes, specials, the
   * characters of its training text (SentencePiece style needs about 320 in all, byte-level 258),
   * then as many merges as its training text supports.
   */
  vocabSize: number;
  maxPositionEmbeddings?: number;
  tied?: boolean;
  /** q/k/v biases; always on for Qwen2, as in its config. */
  attentionBias?: boolean;
  mlpBias?: boolean;
  /** Recorded in config.json (Mistral v0.1 has 4096). */
  slidingWindow?: number;
  dtype?: WeightDtype;
  /** Split the weights into shards of at most this many bytes (with an index file). */
  shardBytes?: number;
  seed: number;
  /** false writes no tokenizer files. Default: byte-level for Qwen2 and Llama 3, else SentencePiece style. */
  tokenizer?: TokenizerStyle | false;
  /** Text the tiny tokenizer learns its merges from. */
  tokenizerText?: string;
}

export interface GeneratedModel {
  dir: string;
  description: ModelDescription;
  files: string[];
  /** Token ids the tokenizer actually uses (<= vocabSize), or null without a tokenizer. */
  tokenizerSize: number | null;
}

export async function generateTestModel(dir: string, opts: TestModelOptions, control: TaskControl = {}): Promise<GeneratedModel> {
  const family = opts.family ?? 'llama';
  const dtype = opts.dtype ?? 'f32';
  const tokenizerStyle = opts.tokenizer ?? (family === 'qwen2' || opts.llama3 ? 'byte-level' : 'sentencepiece');
  const tokenizer = tokenizerStyle === false ? null : buildTinyTokenizer(tokenizerStyle, opts.vocabSize, opts.tokenizerText);
  const maxPositions = opts.maxPositionEmbeddings ?? 2048;

  const config: Record<string, unknown> = {
    architectures: [ARCHITECTURE[family]],
    model_type: family,
    hidden_act: 'silu',
    hidden_size: opts.hiddenSize,
    intermediate_size: opts.intermediateSize,
    num_attention_heads: opts.heads,
    num_hidden_layers: opts.layers,
    num_key_value_heads: opts.kvHeads ?? opts.heads,
    ...(opts.headDim === undefined ? {} : { head_dim: opts.headDim }),
    max_position_embeddings: maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: opts.llama3 ? 500000 : family === 'qwen2' ? 1000000 : 10000,
    rope_scaling: opts.llama3
      ? { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: Math.min(maxPositions, 8192) }
      : null,
    tie_word_embeddings: opts.tied ?? false,
    ...(family === 'qwen2' ? { use_sliding_window: false } : { attention_bias: opts.attentionBias ?? false }),
    mlp_bias: opts.mlpBias ?? false,
    ...(opts.slidingWindow === undefined ? {} : { sliding_window: opts.slidingWindow }),
    bos_token_id: tokenizer?.bosId ?? null,
    eos_token_id: tokenizer?.eosId ?? null,
    initializer_range: INIT_STD,
    torch_dtype: TORCH_DTYPE[dtype],
    vocab_size: opts.vocabSize,
  };
  const description = parseModelConfig(config, 'generated config');
  const tensors = modelTensorSpecs(description).map((s) => ({ ...s, dtype: SAFETENSORS_DTYPE[dtype] }));

  const files = await writeFolderAtomic(dir, async (tmp) => {
    await writeJsonAtomic(join(tmp, 'config.json'), config);
    if (tokenizer) {
      await writeJsonAtomic(join(tmp, TOKENIZER_FILE), tokenizer.tokenizerJson);
      await writeJsonAtomic(join(tmp, TOKENIZER_CONFIG_FILE), tokenizer.tokenizerConfig);
    }
    const writer = await SafetensorsWriter.create(tmp, tensors, { shardBytes: opts.shardBytes });
    try {
      for (let i = 0; i < tensors.length; i++) {
        throwIfCancelled(control.signal);
        control.onProgress?.({ fraction: i / tensors.length, message: `Generating ${tensors[i].name}` });
        await writer.writeTensor(tensors[i].name, initialValues(tensors[i], opts.seed));
      }
    } catch (e) {
      await writer.abort();
      throw e;
    }
    const written = await writer.finish();
    return written.files.map((f) => join(dir, basename(f)));
  });
  return { dir, description, files, tokenizerSize: tokenizer?.size ?? null };
}

/** RMSNorm gains 1 + N(0, 0.02^2) (near 1, yet not all equal); every other tensor N(0, 0.02^2). */
function initialValues(t: TensorDeclaration, seed: number): Float32Array {
  const isNormGain = /(^|\.)(input_layernorm|post_attention_layernorm|norm)\.weight$/.test(t.name);
  return seededNormals(deriveSeed(seed, t.name), elementCount(t.shape), INIT_STD, isNormGain ? 1 : 0);
}
