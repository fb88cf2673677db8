/**
 * Every kind of GGUF the export writes, read back with a parser that shares no code with the
 * writer (@huggingface/gguf) and compared with the source folder read directly: config.json and
 * tokenizer files as JSON, weights through this file's own safetensors reader. Checked: the header
 * (version, counts, alignment), each metadata key with the value type llama.cpp reads it as, the
 * tokenizer arrays, every tensor's llama.cpp name, shape, type and offset, and a sample of values
 * in each tensor (q/k rows in llama.cpp's order, rounded to the file's type independently).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/main/export/index.js';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { tempDir } from '../../helpers/tmp.js';
import {
  GGML_TYPE,
  GGUF_VALUE_TYPE,
  ggufValues,
  readGguf,
  readSafetensors,
  roundTo,
  safetensorsValues,
  sampleIndices,
  tensorByteSize,
  value,
  valueType,
  type IndependentGguf,
  type SafetensorsEntry,
} from './independent.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-gguf-independent-'));
});
afterAll(async () => cleanup());

type Json = Record<string, any>;
const BASE = { layers: 2, hiddenSize: 32, intermediateSize: 48, heads: 4, vocabSize: 400, seed: 5 } satisfies TestModelOptions;
const DEMO_MODEL = 'resources/demo/model';

/** llama.cpp's tensor names (gguf-py tensor_mapping.py), written out by hand. */
function llamaCppName(hf: string): string {
  const global: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (global[hf]) return global[hf];
  const module: Record<string, string> = {
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
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf)!;
  return `blk.${m[1]}.${module[m[2]]}.${m[3]}`;
}

/**
 * The source element behind GGUF element `k` of a q/k projection that convert_hf_to_gguf.py
 * permuted: w.reshape(n_head, 2, d/2, cols).swapaxes(1, 2), so GGUF row h*d + 2i + j holds
 * Hugging Face row h*d + j*d/2 + i.
 */
function permutedSource(k: number, heads: number, rows: number, cols: number): number {
  const d = rows / heads;
  const row = Math.floor(k / cols);
  const h = Math.floor(row / d);
  const w = row % d;
  return (h * d + (w % 2) * (d / 2) + Math.floor(w / 2)) * cols + (k % cols);
}

interface Variant {
  name: string;
  /** A generated model, or null for the bundled demo model. */
  model: Partial<TestModelOptions> | null;
  dtype?: 'f32' | 'f16' | 'bf16';
}

const variants: Variant[] = [
  { name: 'Llama f32 -> f16, GQA, untied, SentencePiece-style', model: { kvHeads: 2 }, dtype: 'f16' },
  { name: 'Mistral bf16 -> bf16, q/k/v biases, explicit head_dim', model: { family: 'mistral', dtype: 'bf16', attentionBias: true, headDim: 16, kvHeads: 1 } },
  { name: 'Qwen2 bf16 -> f32, tied, biases, byte-level', model: { family: 'qwen2', dtype: 'bf16', tied: true, kvHeads: 2 }, dtype: 'f32' },
  { name: 'Llama 3.1 f16 -> f16, RoPE scaling, sharded', model: { llama3: true, dtype: 'f16', kvHeads: 2, vocabSize: 300, shardBytes: 20_000 } },
  { name: 'the demo model bf16 -> f16', model: null, dtype: 'f16' },
];

describe.each(variants)('GGUF read by @huggingface/gguf: $name', ({ name, model, dtype }) => {
  let dir: string;
  let out: string;
  let file: IndependentGguf;
  let config: Json;
  let tokenizer: Json;
  let tokenizerConfig: Json;
  let source: Map<string, SafetensorsEntry>;
  beforeAll(async () => {
    out = join(root, `${name.replace(/\W+/g, '-')}.gguf`);
    if (model) {
      dir = join(root, name.replace(/\W+/g, '-'));
      await generateTestModel(dir, { ...BASE, ...model });
    } else {
      dir = DEMO_MODEL;
    }
    await exportModel(dir, { format: 'gguf', out, dtype });
    file = await readGguf(out);
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    tokenizer = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    tokenizerConfig = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    source = await readSafetensors(dir);
  });

  const arch = () => (config.model_type === 'qwen2' ? 'qwen2' : 'llama');
  const matrixType = () => GGML_TYPE[(dtype ?? { float32: 'f32', float16: 'f16', bfloat16: 'bf16' }[config.torch_dtype as string])!.toUpperCase() as 'F32'];

  it('has a version 3 header whose data section starts aligned', async () => {
    expect(file.version).toBe(3);
    expect(value(file, 'general.alignment')).toBe(32);
    expect(file.dataOffset % 32).toBe(0);
    const size = (await stat(out)).size;
    const last = file.tensors.reduce((a, b) => (a.offset > b.offset ? a : b));
    expect(size).toBe(file.dataOffset + last.offset + tensorByteSize(last));
  });

  it('holds the hyper-parameters under llama.cpp keys, with the value types llama.cpp reads', () => {
    const a = arch();
    const u32 = { type: GGUF_VALUE_TYPE.UINT32 };
    const f32 = { type: GGUF_VALUE_TYPE.FLOAT32 };
    const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
    const expected: [string, unknown, object][] = [
      ['general.architecture', a, { type: GGUF_VALUE_TYPE.STRING }],
      ['general.file_type', { [GGML_TYPE.F32]: 0, [GGML_TYPE.F16]: 1, [GGML_TYPE.BF16]: 32 }[matrixType()], u32],
      [`${a}.context_length`, config.max_position_embeddings, u32],
      [`${a}.embedding_length`, config.hidden_size, u32],
      [`${a}.block_count`, config.num_hidden_layers, u32],
      [`${a}.feed_forward_length`, config.intermediate_size, u32],
      [`${a}.attention.head_count`, config.num_attention_heads, u32],
      [`${a}.attention.head_count_kv`, config.num_key_value_heads, u32],
      [`${a}.attention.key_length`, headDim, u32],
      [`${a}.attention.value_length`, headDim, u32],
      [`${a}.rope.dimension_count`, headDim, u32],
      [`${a}.attention.layer_norm_rms_epsilon`, Math.fround(config.rms_norm_eps), f32],
      [`${a}.rope.freq_base`, Math.fround(config.rope_theta), f32],
    ];
    for (const [key, v, type] of expected) {
      expect(value(file, key), key).toBe(v);
      expect(valueType(file, key), key).toEqual(type);
    }
  });

  it('holds the tokenizer as tokenizer.json and tokenizer_config.json say', () => {
    const byId = new Map<number, string>(Object.entries(tokenizer.model.vocab as Record<string, number>).map(([t, id]) => [id, t]));
    for (const t of tokenizer.added_tokens) byId.set(t.id, t.content);
    const tokens = value(file, 'tokenizer.ggml.tokens') as string[];
    expect(valueType(file, 'tokenizer.ggml.tokens')).toEqual({ type: GGUF_VALUE_TYPE.ARRAY, subType: GGUF_VALUE_TYPE.STRING });
    expect(tokens).toHaveLength(config.vocab_size);
    tokens.forEach((t, id) => expect(t).toBe(byId.get(id) ?? `[PAD${id}]`));
    const idOf = (text: string) => [...byId].find(([, t]) => t === text)![0];
    const special = (v: unknown) => (typeof v === 'string' ? v : (v as Json).content);
    expect(value(file, 'tokenizer.ggml.bos_token_id')).toBe(idOf(special(tokenizerConfig.bos_token)));
    expect(value(file, 'tokenizer.ggml.eos_token_id')).toBe(idOf(special(tokenizerConfig.eos_token)));
    const types = value(file, 'tokenizer.ggml.token_type') as number[];
    expect(valueType(file, 'tokenizer.ggml.token_type')).toEqual({ type: GGUF_VALUE_TYPE.ARRAY, subType: GGUF_VALUE_TYPE.INT32 });
    for (const t of tokenizer.added_tokens) expect(types[t.id]).toBe(t.content === tokenizer.model.unk_token ? 2 : t.special ? 3 : 4);
    if (tokenizer.model.byte_fallback) {
      expect(value(file, 'tokenizer.ggml.model')).toBe('llama');
      expect(types[idOf('<0x41>')]).toBe(6);
      expect(valueType(file, 'tokenizer.ggml.scores')).toEqual({ type: GGUF_VALUE_TYPE.ARRAY, subType: GGUF_VALUE_TYPE.FLOAT32 });
    } else {
      expect(value(file, 'tokenizer.ggml.model')).toBe('gpt2');
      expect(value(file, 'tokenizer.ggml.pre')).toBe('llama-bpe'); // every byte-level tokenizer here splits with Llama 3's pattern
      const merges = (tokenizer.model.merges as (string | string[])[]).map((m) => (Array.isArray(m) ? m.join(' ') : m));
      expect(value(file, 'tokenizer.ggml.merges')).toEqual(merges);
    }
  });

  it("names, shapes and types every tensor as llama.cpp expects, at aligned offsets that don't overlap", () => {
    const expected = [...source.keys()].map(llamaCppName);
    if (config.rope_scaling) expected.push('rope_freqs.weight');
    expect(file.tensors.map((t) => t.name).sort()).toEqual(expected.sort());
    expect(file.tensors.some((t) => t.name === 'output.weight')).toBe(config.tie_word_embeddings !== true);
    for (const [hf, entry] of source) {
      const t = file.tensors.find((x) => x.name === llamaCppName(hf))!;
      expect(t.shape, hf).toEqual([...entry.shape].reverse());
      expect(t.dtype, hf).toBe(entry.shape.length === 1 ? GGML_TYPE.F32 : matrixType());
    }
    const byOffset = [...file.tensors].sort((a, b) => a.offset - b.offset);
    byOffset.forEach((t, i) => {
      expect(t.offset % 32).toBe(0);
      if (i > 0) expect(t.offset).toBeGreaterThanOrEqual(byOffset[i - 1].offset + tensorByteSize(byOffset[i - 1]));
    });
  });

  it('holds the source values, q/k rows in llama.cpp order, rounded to the file type', async () => {
    for (const [hf, entry] of source) {
      const t = file.tensors.find((x) => x.name === llamaCppName(hf))!;
      const n = entry.shape.reduce((a, b) => a * b, 1);
      const picks = sampleIndices(n);
      const heads = /q_proj/.test(hf) ? config.num_attention_heads : /k_proj/.test(hf) ? config.num_key_value_heads : null;
      const cols = entry.shape.length === 2 ? entry.shape[1] : 1;
      const from = heads !== null && arch() === 'llama' ? picks.map((k) => permutedSource(k, heads, n / cols, cols)) : picks;
      const expected = (await safetensorsValues(entry, from)).map((x) => roundTo(t.dtype, x));
      expect(await ggufValues(file, t.name, picks), hf).toEqual(expected);
    }
  });
});
