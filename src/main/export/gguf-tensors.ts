/**
 * Which GGUF tensors a model becomes, under llama.cpp's names (gguf-py tensor_mapping.py):
 *
 *   model.embed_tokens.weight              -> token_embd.weight
 *   model.layers.N.input_layernorm         -> blk.N.attn_norm
 *   model.layers.N.self_attn.{q,k,v,o}_proj -> blk.N.attn_{q,k,v,output}   (.weight / .bias)
 *   model.layers.N.post_attention_layernorm -> blk.N.ffn_norm
 *   model.layers.N.mlp.{gate,up,down}_proj  -> blk.N.ffn_{gate,up,down}
 *   model.norm.weight                      -> output_norm.weight
 *   lm_head.weight                         -> output.weight   (absent when tied: llama.cpp reuses token_embd)
 *
 * Llama and Mistral map to the "llama" architecture with q/k rows permuted (rope-layout.ts),
 * Qwen2 to "qwen2" with its q/k/v biases and no permutation. 1-D tensors (norms, biases) are
 * always F32, as convert_hf_to_gguf.py writes them; matrices take the requested type.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { FloatDtype } from '../model/dtypes.js';
import { modelTensorSpecs, parseBlockTensorName, type TensorReader } from '../model/tensors.js';
import type { GgufTensorDeclaration } from './gguf-write.js';
import { llama3RopeFactors, ROPE_FREQS_TENSOR } from './rope-freqs.js';
import { permuteRotaryRows } from './rope-layout.js';
import type { GgufArchitecture } from '../../shared/export.js';

export type { GgufArchitecture } from '../../shared/export.js';

const GLOBAL_NAMES: Record<string, string> = {
  'model.embed_tokens.weight': 'token_embd.weight',
  'model.norm.weight': 'output_norm.weight',
  'lm_head.weight': 'output.weight',
};

const BLOCK_MODULES: Record<string, string> = {
  input_layernorm: 'attn_norm',
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  post_attention_layernorm: 'ffn_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};

export interface GgufTensorPlan {
  gguf: GgufTensorDeclaration;
  /** A Hugging Face tensor (rows permuted for `permuteHeads` heads when set), or values computed here. */
  from: { tensor: string; permuteHeads: number | null } | { values: Float32Array };
}

/** The llama.cpp architecture of a model, or one line saying why llama.cpp cannot run it as stored. */
export function ggufArchitecture(m: ModelDescription): GgufArchitecture {
  if (m.family !== 'qwen2') return 'llama';
  if (m.ropeScaling)
    throw new UserError(
      `This Qwen2 model uses Llama 3.1 RoPE scaling, which llama.cpp's qwen2 architecture does not apply. Export it with --format hf instead.`,
    );
  if (m.mlpBias)
    throw new UserError(`This Qwen2 model has MLP biases, which llama.cpp's qwen2 architecture does not load. Export it with --format hf instead.`);
  return 'qwen2';
}

export function ggufTensorName(hfName: string): string {
  const global = GLOBAL_NAMES[hfName];
  if (global) return global;
  const block = parseBlockTensorName(hfName);
  const m = block && /^(.+)\.(weight|bias)$/.exec(block.suffix);
  const module = m && BLOCK_MODULES[m[1]];
  if (!block || !m || !module) throw new Error(`No GGUF name for tensor "${hfName}".`);
  return `blk.${block.layer}.${module}.${m[2]}`;
}

/** Heads whose rows convert_hf_to_gguf.py permutes for this tensor, or null. */
function rotaryHeads(arch: GgufArchitecture, m: ModelDescription, hfName: string): number | null {
  if (arch !== 'llama') return null;
  const suffix = parseBlockTensorName(hfName)?.suffix;
  if (suffix === 'self_attn.q_proj.weight' || suffix === 'self_attn.q_proj.bias') return m.heads;
  if (suffix === 'self_attn.k_proj.weight' || suffix === 'self_attn.k_proj.bias') return m.kvHeads;
  return null;
}

/** Every GGUF tensor of the model, in file order: rope_freqs (Llama 3.1), embeddings, blocks, final norm, head. */
export function ggufTensorPlan(m: ModelDescription, dtype: FloatDtype): GgufTensorPlan[] {
  const arch = ggufArchitecture(m);
  const plan: GgufTensorPlan[] = [];
  const factors = llama3RopeFactors(m);
  if (factors) plan.push({ gguf: { name: ROPE_FREQS_TENSOR, dims: [factors.length], type: 'F32' }, from: { values: factors } });
  for (const spec of modelTensorSpecs(m)) {
    plan.push({
      gguf: { name: ggufTensorName(spec.name), dims: [...spec.shape].reverse(), type: spec.shape.length === 1 ? 'F32' : dtype },
      from: { tensor: spec.name, permuteHeads: rotaryHeads(arch, m, spec.name) },
    });
  }
  return plan;
}

/** The values a planned tensor holds before rounding to its GGUF type: the Hugging Face tensor, rows permuted where planned. */
export async function plannedValues(reader: TensorReader, from: GgufTensorPlan['from']): Promise<Float32Array> {
  if ('values' in from) return from.values;
  const values = await reader.readTensor(from.tensor);
  if (from.permuteHeads === null) return values;
  return permuteRotaryRows(values, from.permuteHeads, rowLength(reader.description, from.tensor));
}

/** Columns of a q/k tensor: hidden size for the weight, 1 for the bias. */
export function rowLength(m: ModelDescription, hfName: string): number {
  return hfName.endsWith('.bias') ? 1 : m.hiddenSize;
}
