/**
 * GGUF export end to end on generated models of every supported kind: tensors equal the source
 * (to the output type's precision; q/k rows in llama.cpp's order, checked with this file's own
 * numpy-style permutation), metadata equal to config.json read directly, tokenizer metadata equal
 * to tokenizer.json read directly, Llama 3.1 RoPE factors consistent with the engine's scaled
 * frequencies. Verification catches a damaged file; cancel leaves nothing. (The same files read
 * by an independent parser: gguf-independent.test.ts; tokenisation: tokenizer-roundtrip.test.ts.)
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotaryInverseFrequencies } from '../../../src/main/engine/rotary-tables.js';
import { exportModel } from '../../../src/main/export/index.js';
import type { GgufValue } from '../../../src/main/export/gguf-format.js';
import { GgufFile } from '../../../src/main/export/gguf-read.js';
import { ggufTensorPlan } from '../../../src/main/export/gguf-tensors.js';
import { verifyGguf } from '../../../src/main/export/gguf-verify.js';
import { decodeFloats, encodeFloats, type FloatDtype } from '../../../src/main/model/dtypes.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { isUserError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/tmp.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-gguf-export-'));
});
afterAll(async () => cleanup());

type Json = Record<string, any>;
const BASE = { layers: 2, hiddenSize: 32, intermediateSize: 48, heads: 4, vocabSize: 400, seed: 3 } satisfies TestModelOptions;

function scalarOf(file: GgufFile, key: string): unknown {
  const v = file.metadata.get(key);
  if (!v) return undefined;
  return v.type === 'array' ? v.items : v.value;
}

/** numpy: w.reshape(n, 2, rows/n/2, cols).swapaxes(1, 2).reshape(rows, cols), in C order. */
function numpyPermute(w: Float32Array, n: number, cols: number): Float32Array {
  const half = w.length / cols / n / 2;
  const out = new Float32Array(w.length);
  let k = 0;
  for (let h = 0; h < n; h++)
    for (let i = 0; i < half; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < cols; c++) out[k++] = w[((h * 2 + j) * half + i) * cols + c];
  return out;
}

const GGUF_SUFFIX: Record<string, string> = {
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

function ggufName(hf: string): string {
  const global: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (global[hf]) return global[hf];
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf)!;
  return `blk.${m[1]}.${GGUF_SUFFIX[m[2]]}.${m[3]}`;
}

interface Variant {
  name: string;
  model: Partial<TestModelOptions>;
  dtype?: 'f32' | 'f16' | 'bf16';
}

const variants: Variant[] = [
  { name: 'Llama f32 -> f32, untied, SentencePiece-style', model: {} },
  { name: 'Llama f32 -> f16, tied, GQA', model: { tied: true, kvHeads: 2 }, dtype: 'f16' },
  {
    name: 'Mistral bf16 -> f16, GQA, explicit head_dim, q/k/v and MLP biases',
    model: { family: 'mistral', dtype: 'bf16', kvHeads: 1, headDim: 16, attentionBias: true, mlpBias: true },
    dtype: 'f16',
  },
  // llama.cpp's llama architecture loads blk.N.attn_output.bias when present (optional tensor).
  { name: 'Llama f32 -> f16, attention_bias: q/k/v and o_proj biases', model: { attentionBias: true }, dtype: 'f16' },
  { name: 'Qwen2 bf16 -> bf16, tied, GQA, biases, byte-level', model: { family: 'qwen2', dtype: 'bf16', tied: true, kvHeads: 2 } },
  { name: 'Qwen2 bf16 -> f32', model: { family: 'qwen2', dtype: 'bf16', kvHeads: 2 }, dtype: 'f32' },
  { name: 'Llama 3.1 f16 -> f16, RoPE scaling, byte-level, sharded', model: { llama3: true, dtype: 'f16', kvHeads: 2, vocabSize: 300, shardBytes: 20_000 } },
];

describe.each(variants)('GGUF export: $name', ({ name, model, dtype }) => {
  let dir: string;
  let out: string;
  let config: Json;
  let file: GgufFile;
  let folder: ModelFolder;
  let result: Awaited<ReturnType<typeof exportModel>>;
  beforeAll(async () => {
    dir = join(root, name.replace(/\W+/g, '-'));
    out = `${dir}.gguf`;
    await generateTestModel(dir, { ...BASE, ...model });
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    result = await exportModel(dir, { format: 'gguf', out, dtype });
    file = await GgufFile.open(out);
    folder = await ModelFolder.open(dir);
  });
  afterAll(async () => {
    await file.close();
    await folder.close();
  });

  const arch = () => (config.model_type === 'qwen2' ? 'qwen2' : 'llama');
  const outType = (): FloatDtype =>
    (dtype ?? ({ float32: 'f32', float16: 'f16', bfloat16: 'bf16' } as const)[config.torch_dtype as 'float32'])!.toUpperCase() as FloatDtype;

  it('reports a verified file and leaves no temporary file', async () => {
    expect(result.gguf?.verification?.tensors).toBe(file.tensors.size);
    expect(result.files).toEqual([out]);
    expect((await readdir(root)).filter((n) => n.startsWith('.slayer-tmp-'))).toEqual([]);
  });

  it('writes the hyper-parameters of config.json under llama.cpp keys', () => {
    const a = arch();
    const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
    expect(scalarOf(file, 'general.architecture')).toBe(a);
    expect(scalarOf(file, 'general.alignment')).toBe(32);
    expect(scalarOf(file, 'general.file_type')).toBe({ F32: 0, F16: 1, BF16: 32 }[outType()]);
    expect(scalarOf(file, `${a}.context_length`)).toBe(config.max_position_embeddings);
    expect(scalarOf(file, `${a}.embedding_length`)).toBe(config.hidden_size);
    expect(scalarOf(file, `${a}.block_count`)).toBe(config.num_hidden_layers);
    expect(scalarOf(file, `${a}.feed_forward_length`)).toBe(config.intermediate_size);
    expect(scalarOf(file, `${a}.attention.head_count`)).toBe(config.num_attention_heads);
    expect(scalarOf(file, `${a}.attention.head_count_kv`)).toBe(config.num_key_value_heads);
    expect(scalarOf(file, `${a}.attention.key_length`)).toBe(headDim);
    expect(scalarOf(file, `${a}.rope.dimension_count`)).toBe(headDim);
    expect(scalarOf(file, `${a}.attention.layer_norm_rms_epsilon`)).toBe(Math.fround(config.rms_norm_eps));
    expect(scalarOf(file, `${a}.rope.freq_base`)).toBe(Math.fround(config.rope_theta));
    expect(scalarOf(file, `${a}.vocab_size`)).toBe(config.vocab_size);
  });

  it('holds every tensor under its llama.cpp name, equal to the source at the output precision', async () => {
    const hfNames = [...folder.tensors.keys()];
    const expectedNames = hfNames.map(ggufName);
    if (config.rope_scaling) expectedNames.push('rope_freqs.weight');
    expect([...file.tensors.keys()].sort()).toEqual(expectedNames.sort());
    expect(file.tensors.has('output.weight')).toBe(!config.tie_word_embeddings);
    for (const hf of hfNames) {
      const info = file.info(ggufName(hf));
      const source = await folder.readTensor(hf);
      const shape = folder.tensors.get(hf)!.shape;
      expect(info.dims).toEqual([...shape].reverse());
      expect(info.offset % 32).toBe(0);
      const type = shape.length === 1 ? 'F32' : outType();
      expect(info.type).toBe(type);
      let expected = source;
      const cols = shape.length === 2 ? shape[1] : 1;
      if (arch() === 'llama' && /q_proj/.test(hf)) expected = numpyPermute(source, config.num_attention_heads, cols);
      if (arch() === 'llama' && /k_proj/.test(hf)) expected = numpyPermute(source, config.num_key_value_heads, cols);
      const actual = await file.readFloat32(ggufName(hf));
      expect(actual).toEqual(decodeFloats(type, encodeFloats(type, expected)));
      // And within the output type's precision of the source: half a unit in the last place.
      const ulp = { F32: 2 ** -24, F16: 2 ** -11, BF16: 2 ** -8 }[type];
      const outside = actual.filter((v, i) => Math.abs(v - expected[i]) > Math.abs(expected[i]) * ulp + 2 ** -24);
      expect(outside).toHaveLength(0);
    }
  });

  it('describes the tokenizer as tokenizer.json does', async () => {
    const tok = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    const tokConfig = JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8'));
    const byId = new Map<number, string>(Object.entries(tok.model.vocab as Record<string, number>).map(([t, id]) => [id, t]));
    for (const t of tok.added_tokens) byId.set(t.id, t.content);
    const tokens = scalarOf(file, 'tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(config.vocab_size);
    tokens.forEach((t, id) => expect(t).toBe(byId.get(id) ?? `[PAD${id}]`));
    const types = scalarOf(file, 'tokenizer.ggml.token_type') as number[];
    types.forEach((type, id) => {
      if (!byId.has(id)) expect(type).toBe(5);
      else if (tok.added_tokens.some((a: Json) => a.id === id)) expect([2, 3]).toContain(type);
    });
    const idOf = (text: string) => [...byId].find(([, t]) => t === text)![0];
    expect(scalarOf(file, 'tokenizer.ggml.bos_token_id')).toBe(idOf(tokConfig.bos_token));
    expect(scalarOf(file, 'tokenizer.ggml.eos_token_id')).toBe(idOf(tokConfig.eos_token));
    expect(scalarOf(file, 'tokenizer.ggml.add_bos_token')).toBe(true); // both tiny styles put BOS first
    expect(scalarOf(file, 'tokenizer.ggml.add_eos_token')).toBe(false);
    if (tok.model.byte_fallback) {
      expect(scalarOf(file, 'tokenizer.ggml.model')).toBe('llama');
      expect(scalarOf(file, 'tokenizer.ggml.unknown_token_id')).toBe(idOf('<unk>'));
      expect(types[idOf('<0x0A>')]).toBe(6);
      expect(types[idOf('<unk>')]).toBe(2);
      expect(file.metadata.has('tokenizer.ggml.merges')).toBe(false);
      expect(scalarOf(file, 'tokenizer.ggml.add_space_prefix')).toBe(true); // its normalizer prepends "▁"
    } else {
      expect(scalarOf(file, 'tokenizer.ggml.model')).toBe('gpt2');
      expect(scalarOf(file, 'tokenizer.ggml.pre')).toBe('llama-bpe'); // the tiny byte-level tokenizer splits with Llama 3's regex
      expect(scalarOf(file, 'tokenizer.ggml.merges')).toEqual(tok.model.merges.map((m: string[]) => m.join(' ')));
      expect(file.metadata.has('tokenizer.ggml.scores')).toBe(false);
    }
  });

  it('verification recomputes every tensor and detects a damaged copy', async () => {
    const damaged = `${out}.damaged`;
    const bytes = Buffer.from(await readFile(out));
    const plan = ggufTensorPlan(folder.description, outType());
    const last = file.info(plan[plan.length - 1].gguf.name);
    bytes[file.dataStart + last.offset] ^= 0x01; // lowest mantissa bit of the last tensor's first value
    await writeFile(damaged, bytes);
    const metadata = new Map(file.metadata) as Map<string, GgufValue>;
    await expect(verifyGguf(out, folder, plan, metadata)).resolves.toMatchObject({ tensors: plan.length });
    await expect(verifyGguf(damaged, folder, plan, metadata)).rejects.toThrow(/differs from its source at element 0/);
  });
});

describe('GGUF export details', () => {
  it('writes Llama 3.1 RoPE factors that turn the base frequencies into the scaled ones', async () => {
    const dir = join(root, 'rope');
    await generateTestModel(dir, { ...BASE, llama3: true, hiddenSize: 256, heads: 2, vocabSize: 300 });
    await exportModel(dir, { format: 'gguf', out: `${dir}.gguf` });
    const folder = await ModelFolder.open(dir);
    const file = await GgufFile.open(`${dir}.gguf`);
    try {
      const m = folder.description;
      const factors = await file.readFloat32('rope_freqs.weight');
      const base = rotaryInverseFrequencies({ ...m, ropeScaling: null });
      const scaled = rotaryInverseFrequencies(m);
      expect(factors).toHaveLength(m.headDim / 2);
      // With 64 frequencies, base 500000 and factor 8 all three bands occur: kept (1), slowed (8), blended.
      expect(factors.some((f) => f === 1) && factors.some((f) => f === 8) && factors.some((f) => f > 1 && f < 8)).toBe(true);
      factors.forEach((f, j) => expect(base[j] / f).toBeCloseTo(scaled[j], 6));
      factors.forEach((f, j) => expect(Math.abs(base[j] / f - scaled[j])).toBeLessThanOrEqual(scaled[j] * 1e-5));
    } finally {
      await file.close();
      await folder.close();
    }
  });

  it('refuses what llama.cpp cannot run, in one line', async () => {
    const qwen = join(root, 'qwen-mlp-bias');
    await generateTestModel(qwen, { ...BASE, family: 'qwen2', mlpBias: true });
    await expect(exportModel(qwen, { format: 'gguf', out: `${qwen}.gguf` })).rejects.toThrow(/MLP biases, which llama.cpp's qwen2 architecture does not load/);
    const bare = join(root, 'no-tokenizer');
    await generateTestModel(bare, { ...BASE, tokenizer: false });
    const error = await exportModel(bare, { format: 'gguf', out: `${bare}.gguf` }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/has no tokenizer\.json; llama\.cpp needs the tokenizer/);
    expect((await readdir(root)).filter((n) => n.endsWith('.gguf') && (n.startsWith('qwen-mlp') || n.startsWith('no-tok')))).toEqual([]);
  });

  it('cancel leaves no file behind', async () => {
    const dir = join(root, 'cancel');
    await generateTestModel(dir, BASE);
    const controller = new AbortController();
    const promise = exportModel(
      dir,
      { format: 'gguf', out: `${dir}.gguf` },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.message.includes('blk.1')) controller.abort();
        },
      },
    );
    await expect(promise).rejects.toMatchObject({ isCancelled: true });
    expect((await readdir(root)).filter((n) => n.startsWith('cancel.gguf') || n.includes('cancel.gguf'))).toEqual([]);
  });
});
