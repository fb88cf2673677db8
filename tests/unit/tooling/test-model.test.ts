/**
 * The test-model generator: every variant opens as a valid model folder whose config, tensors,
 * dtype, sharding and tokenizer match what was asked, deterministically for a seed.
 */
import { readdir, readFile, rm, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { isUserError } from '../../../src/shared/errors.js';

let root: string;
let counter = 0;
const target = () => join(root, `model${counter++}`);
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slayer-generate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const small = { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 4, vocabSize: 400, seed: 11 } satisfies TestModelOptions;

function stats(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean) };
}

async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

describe('generateTestModel', () => {
  it.each<[string, TestModelOptions, Record<string, unknown>]>([
    ['llama f32', { ...small }, { family: 'llama', kvHeads: 4, headDim: 8, tiedEmbeddings: false, attentionBias: false, ropeScaling: null }],
    [
      'llama3 bf16 GQA',
      { ...small, llama3: true, kvHeads: 2, dtype: 'bf16' },
      { kvHeads: 2, ropeTheta: 500000, ropeScaling: expect.objectContaining({ type: 'llama3', factor: 8 }) },
    ],
    ['mistral f16 sliding window', { ...small, family: 'mistral', dtype: 'f16', slidingWindow: 64 }, { family: 'mistral', slidingWindow: 64 }],
    ['qwen2 biases tied', { ...small, family: 'qwen2', tied: true, kvHeads: 1 }, { family: 'qwen2', attentionBias: true, tiedEmbeddings: true, kvHeads: 1 }],
    ['explicit head_dim', { ...small, headDim: 16 }, { headDim: 16 }],
    ['mlp biases', { ...small, mlpBias: true }, { mlpBias: true }],
  ])('%s opens as a model folder that matches the request', async (_name, opts, want) => {
    const dir = target();
    const generated = await generateTestModel(dir, opts);
    expect(generated.description).toMatchObject(want);
    const folder = await ModelFolder.open(dir);
    try {
      expect(folder.description).toEqual(generated.description);
      expect(folder.dtype).toBe({ f32: 'F32', f16: 'F16', bf16: 'BF16' }[opts.dtype ?? 'f32']);
      expect(folder.extraTensors).toEqual([]);
      expect([...folder.tensors.values()].every((t) => t.dtype === folder.dtype)).toBe(true);
      // Initialisation scale: matrices N(0, 0.02^2), RMSNorm gains around 1.
      const q = stats(await folder.readTensor('model.layers.1.self_attn.q_proj.weight'));
      expect(Math.abs(q.mean)).toBeLessThan(0.003);
      expect(q.std).toBeGreaterThan(0.018);
      expect(q.std).toBeLessThan(0.022);
      const norm = stats(await folder.readTensor('model.layers.0.input_layernorm.weight'));
      expect(Math.abs(norm.mean - 1)).toBeLessThan(0.015);
      // The tokenizer works and its special ids are the ones config.json names.
      const tokenizer = await folder.loadTokenizer();
      expect(tokenizer.bosId).toBe(generated.description.bosTokenId);
      expect(tokenizer.eosId).toBe(generated.description.eosTokenId);
      expect(tokenizer.vocabSize).toBe(generated.tokenizerSize);
      expect(tokenizer.vocabSize).toBeLessThanOrEqual(opts.vocabSize);
      const text = 'Knowledge lives in the shallow layers 🦙 — 42!';
      const ids = tokenizer.encode(text);
      expect(ids[0]).toBe(tokenizer.bosId);
      expect(tokenizer.decode(ids, { skipSpecial: true })).toBe(text);
    } finally {
      await folder.close();
    }
  });

  it('shards at the requested size and writes the index', async () => {
    const dir = target();
    const { files } = await generateTestModel(dir, { ...small, shardBytes: 20_000 });
    expect(files.length).toBeGreaterThan(2);
    expect(await readdir(dir)).toContain('model.safetensors.index.json');
    const folder = await ModelFolder.open(dir);
    expect(folder.files).toEqual(files);
    // Each shard keeps its tensor data within the limit, unless it holds one tensor that alone exceeds it.
    for (const f of files) {
      const held = [...folder.tensors.values()].filter((t) => t.file === f);
      const dataBytes = held.reduce((n, t) => n + t.byteRange[1] - t.byteRange[0], 0);
      expect(held.length === 1 || dataBytes <= 20_000).toBe(true);
      expect(held.length).toBeGreaterThan(0);
    }
    await folder.close();
  });

  it('is deterministic: same seed, same bytes; the values do not depend on dtype or sharding', async () => {
    const [a, b, c, d, e] = [target(), target(), target(), target(), target()];
    await generateTestModel(a, small);
    await generateTestModel(b, small);
    await generateTestModel(c, { ...small, seed: 12 });
    await generateTestModel(d, { ...small, shardBytes: 10_000 });
    await generateTestModel(e, { ...small, dtype: 'bf16' });
    expect(await filesOf(a)).toEqual(await filesOf(b));
    expect((await filesOf(a)).get('model.safetensors')).not.toEqual((await filesOf(c)).get('model.safetensors'));
    const [fa, fd, fe] = await Promise.all([a, d, e].map((dir) => ModelFolder.open(dir)));
    for (const name of fa.tensors.keys()) {
      const f32 = await fa.readTensor(name);
      expect(await fd.readTensor(name)).toEqual(f32);
      const bf16 = await fe.readTensor(name);
      // bfloat16 keeps 8 significant bits: rounding moves a value by at most half an ulp.
      expect(f32.every((v, i) => Math.abs(bf16[i] - v) <= Math.abs(v) * 2 ** -8)).toBe(true);
    }
    await Promise.all([fa, fd, fe].map((f) => f.close()));
  });

  it('writes no tokenizer when asked not to, and leaves nothing behind when cancelled', async () => {
    const dir = target();
    await generateTestModel(dir, { ...small, tokenizer: false });
    const folder = await ModelFolder.open(dir);
    expect(folder.hasTokenizer).toBe(false);
    await folder.close();

    const cancelled = target();
    const controller = new AbortController();
    controller.abort();
    const error = await generateTestModel(cancelled, small, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    await expect(stat(cancelled)).rejects.toThrow();
    expect((await readdir(root)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('refuses a vocabulary too small for a byte-complete tokenizer', async () => {
    await expect(generateTestModel(target(), { ...small, vocabSize: 100 })).rejects.toThrow(/at least/);
    const dir = target();
    await generateTestModel(dir, { ...small, vocabSize: 100, tokenizer: false });
    expect((await ModelFolder.open(dir).then(async (f) => (await f.close(), f.description))).vocabSize).toBe(100);
  });
});
