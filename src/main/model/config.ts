/**
 * Hugging Face config.json -> ModelDescription, for LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM and configs that follow the same layout. Every rejection is one line that
 * names the file and says what to do.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { Family, Llama3RopeScaling, ModelDescription } from '../../shared/model.js';

const FAMILIES: Record<string, Family> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
};

type Json = Record<string, unknown>;

/** Reads and validates `<dir>/config.json`, or a config file given directly. */
export async function readModelConfig(path: string): Promise<ModelDescription> {
  const file = path.endsWith('.json') ? path : join(path, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`No config.json in ${path}. Choose the folder that holds the model's config.json and .safetensors files.`);
    }
    if (code === 'EISDIR') throw new UserError(`${file} is a folder, not a config file.`);
    throw new UserError(`Cannot read ${file} (${code ?? (e as Error).message}). Check that the file exists and is readable.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message}). Re-download the model's config.json.`);
  }
  return parseModelConfig(json, file);
}

export function parseModelConfig(json: unknown, file = 'config.json'): ModelDescription {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UserError(`${file} must hold a JSON object with the model's settings.`);
  }
  const c = json as Json;
  const architecture = Array.isArray(c.architectures) && typeof c.architectures[0] === 'string' ? c.architectures[0] : null;
  const modelType = typeof c.model_type === 'string' ? c.model_type : null;
  let family: Family | undefined = architecture ? FAMILIES[architecture] : undefined;
  if (!family && !architecture && modelType && ['llama', 'mistral', 'qwen2'].includes(modelType)) family = modelType as Family;
  if (!family) {
    const what = architecture ?? modelType ?? 'an unnamed architecture';
    throw new UserError(
      `${file} describes ${what}, which is not supported. Supported: ${Object.keys(FAMILIES).join(', ')} (Llama 2/3, Mistral, Qwen2, TinyLlama and their fine-tunes).`,
    );
  }
  const act = c.hidden_act ?? 'silu';
  if (act !== 'silu' && act !== 'swish') {
    throw new UserError(`${file} uses the activation "${String(act)}"; only SiLU (SwiGLU) Llama-family models are supported.`);
  }

  const int = (key: string, fallback?: number, min = 1): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new UserError(`${file}: "${key}" must be a whole number of at least ${min}${v === undefined ? ' but is missing' : `, got ${JSON.stringify(v)}`}.`);
    }
    return v;
  };
  const num = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new UserError(`${file}: "${key}" must be a positive number, got ${JSON.stringify(v)}.`);
    }
    return v;
  };
  const tokenId = (key: string): number | number[] | null => {
    const v = c[key];
    if (v === undefined || v === null) return null;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return v as number[];
    throw new UserError(`${file}: "${key}" must be a token id or a list of token ids.`);
  };

  const hiddenSize = int('hidden_size');
  const heads = int('num_attention_heads');
  const kvHeads = int('num_key_value_heads', heads);
  if (heads % kvHeads !== 0) {
    throw new UserError(`${file}: num_attention_heads (${heads}) must be a multiple of num_key_value_heads (${kvHeads}).`);
  }
  const headDim = c.head_dim === undefined || c.head_dim === null ? hiddenSize / heads : int('head_dim');
  if (!Number.isInteger(headDim)) {
    throw new UserError(`${file}: hidden_size (${hiddenSize}) is not divisible by num_attention_heads (${heads}) and no head_dim is given.`);
  }
  if (headDim % 2 !== 0) throw new UserError(`${file}: the head size (${headDim}) must be even for rotary embeddings.`);

  const maxPositionEmbeddings = int('max_position_embeddings', 2048);
  const tiedDefault = false;
  const tied = c.tie_word_embeddings ?? tiedDefault;
  if (typeof tied !== 'boolean') throw new UserError(`${file}: "tie_word_embeddings" must be true or false.`);

  return {
    architecture: architecture ?? `${family[0].toUpperCase()}${family.slice(1)}ForCausalLM`,
    family,
    layers: int('num_hidden_layers'),
    hiddenSize,
    intermediateSize: int('intermediate_size'),
    heads,
    kvHeads,
    headDim,
    vocabSize: int('vocab_size'),
    maxPositionEmbeddings,
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta: num('rope_theta', 10000),
    ropeScaling: parseRopeScaling(c.rope_scaling, file, maxPositionEmbeddings),
    tiedEmbeddings: tied,
    attentionBias: family === 'qwen2' ? true : c.attention_bias === true,
    // Hugging Face's LlamaAttention gives o_proj the same bias flag as q/k/v; Qwen2 and Mistral never bias o_proj.
    attentionOutputBias: family === 'llama' && c.attention_bias === true,
    mlpBias: c.mlp_bias === true,
    slidingWindow: typeof c.sliding_window === 'number' ? c.sliding_window : null,
    bosTokenId: tokenId('bos_token_id') as number | null,
    eosTokenId: tokenId('eos_token_id'),
    torchDtype: typeof c.torch_dtype === 'string' ? c.torch_dtype : null,
  };
}

function parseRopeScaling(raw: unknown, file: string, maxPositions: number): Llama3RopeScaling | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${file}: "rope_scaling" must be an object or null.`);
  const r = raw as Json;
  const type = r.rope_type ?? r.type;
  if (type === 'default') return null;
  if (type !== 'llama3') {
    throw new UserError(
      `${file}: rope_scaling of type "${String(type)}" is not supported; only "llama3" scaling (Llama 3.1 and later) is. Use a model without this scaling.`,
    );
  }
  const field = (key: string, fallback?: number): number => {
    const v = r[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new UserError(`${file}: rope_scaling.${key} must be a positive number.`);
    }
    return v;
  };
  return {
    type: 'llama3',
    factor: field('factor'),
    lowFreqFactor: field('low_freq_factor', 1),
    highFreqFactor: field('high_freq_factor', 4),
    originalMaxPositionEmbeddings: field('original_max_position_embeddings', Math.min(maxPositions, 8192)),
  };
}
