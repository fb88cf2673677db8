/**
 * The model's hyper-parameters as GGUF metadata, under the keys llama.cpp reads for the llama and
 * qwen2 architectures (the keys convert_hf_to_gguf.py's TextModel/LlamaModel write):
 * context length, width, depth, MLP width, heads, KV heads, head size, RMSNorm epsilon, RoPE base
 * and rotated dimensions, vocabulary size. Counts are u32 and real numbers f32, as in llama.cpp.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { FloatDtype } from '../model/dtypes.js';
import { ALIGNMENT_KEY, DEFAULT_ALIGNMENT, FILE_TYPE_CODES, scalar, type GgufValue } from './gguf-format.js';
import type { GgufArchitecture } from './gguf-tensors.js';

export function modelMetadata(m: ModelDescription, arch: GgufArchitecture, name: string, dtype: FloatDtype): [string, GgufValue][] {
  const u32 = (v: number) => scalar('u32', v);
  const f32 = (v: number) => scalar('f32', v);
  return [
    ['general.architecture', scalar('string', arch)],
    ['general.name', scalar('string', name)],
    ['general.file_type', u32(FILE_TYPE_CODES[dtype])],
    [ALIGNMENT_KEY, u32(DEFAULT_ALIGNMENT)],
    [`${arch}.context_length`, u32(m.maxPositionEmbeddings)],
    [`${arch}.embedding_length`, u32(m.hiddenSize)],
    [`${arch}.block_count`, u32(m.layers)],
    [`${arch}.feed_forward_length`, u32(m.intermediateSize)],
    [`${arch}.attention.head_count`, u32(m.heads)],
    [`${arch}.attention.head_count_kv`, u32(m.kvHeads)],
    // Written always, not only when config.json names head_dim: llama.cpp otherwise assumes hidden/heads.
    [`${arch}.attention.key_length`, u32(m.headDim)],
    [`${arch}.attention.value_length`, u32(m.headDim)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(m.rmsNormEps)],
    [`${arch}.rope.freq_base`, f32(m.ropeTheta)],
    [`${arch}.rope.dimension_count`, u32(m.headDim)],
    [`${arch}.vocab_size`, u32(m.vocabSize)],
  ];
}
