/**
 * inspect: exact counts for every storage variant (expected values computed here from the config
 * numbers), and, through the real CLI, one plain line and a non-zero exit for every malformed input.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { inspectModel } from '../../../src/main/inspect/inspect.js';
import { forwardEstimate } from '../../../src/main/memory/forward.js';
import { parseModelConfig } from '../../../src/main/model/config.js';

const run = promisify(execFile);
let root: string;
let counter = 0;
const target = () => join(root, `model${counter++}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slayer-inspect-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Parameters of a Llama-family model, from config numbers: embeddings, LM head, final norm, blocks. */
function expectedParameters(c: { V: number; H: number; F: number; L: number; heads: number; kv: number; hd: number; tied: boolean; qkvBias: boolean }): number {
  const q = c.heads * c.hd;
  const kv = c.kv * c.hd;
  const attention = c.H * q + 2 * c.H * kv + q * c.H + (c.qkvBias ? q + 2 * kv : 0);
  const mlp = 3 * c.H * c.F;
  const norms = 2 * c.H;
  return c.V * c.H * (c.tied ? 1 : 2) + c.H + c.L * (attention + mlp + norms);
}

/** Elements over every tensor of every .safetensors file, counted from the headers by hand. */
async function elementsOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.safetensors'))) {
    const bytes = await readFile(join(dir, f));
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    for (const [name, t] of Object.entries<any>(header)) if (name !== '__metadata__') total += t.shape.reduce((a: number, b: number) => a * b, 1);
  }
  return total;
}

describe('inspectModel', () => {
  const base = { layers: 3, hiddenSize: 48, intermediateSize: 80, heads: 6, vocabSize: 350, seed: 1 };
  it.each<[string, TestModelOptions, string]>([
    ['f32', base, 'f32'],
    ['bf16', { ...base, dtype: 'bf16' }, 'bf16'],
    ['f16', { ...base, dtype: 'f16' }, 'f16'],
    ['sharded bf16', { ...base, dtype: 'bf16', shardBytes: 30_000 }, 'bf16'],
    ['tied', { ...base, tied: true }, 'f32'],
    ['qwen2 (biased, GQA)', { ...base, family: 'qwen2', kvHeads: 2 }, 'f32'],
    ['llama3 with head_dim', { ...base, llama3: true, kvHeads: 3, headDim: 12, dtype: 'f16' }, 'f16'],
  ])('%s: exact parameter and layer counts', async (_name, opts, dtype) => {
    const dir = target();
    await generateTestModel(dir, opts);
    const r = await inspectModel(dir);
    const hd = opts.headDim ?? opts.hiddenSize / opts.heads;
    const parameters = expectedParameters({
      V: opts.vocabSize,
      H: opts.hiddenSize,
      F: opts.intermediateSize,
      L: opts.layers,
      heads: opts.heads,
      kv: opts.kvHeads ?? opts.heads,
      hd,
      tied: opts.tied ?? false,
      qkvBias: opts.family === 'qwen2',
    });
    expect(r.parameters).toBe(parameters);
    expect(await elementsOnDisk(dir)).toBe(parameters);
    const sizes = await Promise.all((await readdir(dir)).map(async (f) => (await stat(join(dir, f))).size));
    expect(r).toMatchObject({
      architecture: { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', mistral: 'MistralForCausalLM' }[opts.family ?? 'llama'],
      layers: opts.layers,
      hiddenSize: opts.hiddenSize,
      intermediateSize: opts.intermediateSize,
      heads: opts.heads,
      kvHeads: opts.kvHeads ?? opts.heads,
      headDim: hd,
      vocabSize: opts.vocabSize,
      dtype,
      tiedEmbeddings: opts.tied ?? false,
      bytesOnDisk: sizes.reduce((a, b) => a + b, 0),
      hasTokenizer: true,
    });
  });

  it("judges memory against the machine: fits, tight, won't fit", async () => {
    const dir = target();
    await generateTestModel(dir, base);
    const { memory } = await inspectModel(dir);
    const need = Math.max(memory.analyse.bytes, memory.train.bytes);
    expect((await inspectModel(dir, { totalBytes: 100 * need, freeBytes: 10 * need })).memory.train.fit).toBe('fits');
    expect((await inspectModel(dir, { totalBytes: 100 * need, freeBytes: need / 10 })).memory.train.fit).toBe('tight');
    expect((await inspectModel(dir, { totalBytes: need / 10, freeBytes: need / 20 })).memory.analyse.fit).toBe('wont-fit');
  });

  it('estimates streamed analysis memory independent of depth, because blocks are read one at a time', () => {
    const config = { architectures: ['LlamaForCausalLM'], hidden_size: 4096, intermediate_size: 11008, num_attention_heads: 32, vocab_size: 32000 };
    const shape = { sequences: 64, seqLen: 128 };
    const shallow = forwardEstimate(parseModelConfig({ ...config, num_hidden_layers: 2 }), 2, shape, 'streamed').totalBytes;
    const deep = forwardEstimate(parseModelConfig({ ...config, num_hidden_layers: 80 }), 2, shape, 'streamed').totalBytes;
    expect(deep).toBe(shallow);
    // It must at least hold one block widened to fp32 and the f16 embedding as read.
    expect(shallow).toBeGreaterThan(4 * 202_383_360 + 2 * 32000 * 4096);
  });
});

describe('slayer inspect (CLI)', () => {
  const cli = (args: string[]) =>
    run(process.execPath, ['bin/slayer.js', 'inspect', ...args], { encoding: 'utf8' }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  let good: string;
  beforeAll(async () => {
    good = target();
    await generateTestModel(good, { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 4, vocabSize: 350, seed: 2 });
  });

  it('prints one JSON document with the fields docs/cli.md names', async () => {
    const { code, stdout } = await cli([good, '--json']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const doc = JSON.parse(stdout);
    for (const field of [
      'architecture',
      'layers',
      'hiddenSize',
      'intermediateSize',
      'heads',
      'kvHeads',
      'vocabSize',
      'parameters',
      'dtype',
      'tiedEmbeddings',
      'bytesOnDisk',
    ]) {
      expect(doc).toHaveProperty(field);
    }
    const direct = await inspectModel(good);
    // Free memory (the host's, and a GPU's, which the GPU's budget depends on) moves between the two calls.
    expect({ ...doc, memory: undefined, gpu: undefined }).toEqual({ ...direct, memory: undefined, gpu: undefined });
    expect(doc.gpu.report.adapter?.name).toEqual(direct.gpu.report.adapter?.name);
    expect([doc.gpu.analyse.provider, doc.gpu.train.provider]).toEqual([direct.gpu.analyse.provider, direct.gpu.train.provider]);
    expect(doc.gpu.needs).toEqual(direct.gpu.needs);
  });

  /** A folder holding the good model's config and tokenizer, plus `weights` as model.safetensors. */
  async function withWeights(weights: Buffer): Promise<string> {
    const dir = target();
    await mkdir(dir);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) await writeFile(join(dir, f), await readFile(join(good, f)));
    await writeFile(join(dir, 'model.safetensors'), weights);
    return dir;
  }
  function handMade(header: unknown, dataBytes: number): Buffer {
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([length, json, Buffer.alloc(dataBytes)]);
  }
  async function withConfig(config: string | null): Promise<string> {
    const dir = target();
    await generateTestModel(dir, { layers: 1, hiddenSize: 16, intermediateSize: 32, heads: 2, vocabSize: 350, seed: 3 });
    if (config === null) await rm(join(dir, 'config.json'));
    else await writeFile(join(dir, 'config.json'), config);
    return dir;
  }

  const cases: [string, () => Promise<string>, RegExp][] = [
    [
      'a truncated weights file',
      async () => {
        const dir = target();
        await generateTestModel(dir, { layers: 1, hiddenSize: 16, intermediateSize: 32, heads: 2, vocabSize: 350, seed: 3 });
        const file = join(dir, 'model.safetensors');
        await truncate(file, (await stat(file)).size - 100);
        return dir;
      },
      /model.safetensors is truncated/,
    ],
    [
      'a garbage header',
      () => withWeights(Buffer.concat([Buffer.from([40, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(40, 0xc3), Buffer.alloc(64)])),
      /model.safetensors has a corrupt safetensors header: it is not valid JSON/,
    ],
    [
      'header offsets past the end',
      () => withWeights(handMade({ a: { dtype: 'F32', shape: [100], data_offsets: [0, 400] } }, 50)),
      /model.safetensors is truncated: tensor "a" ends at data byte 400/,
    ],
    [
      'overlapping offsets',
      () => withWeights(handMade({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, 24)),
      /model.safetensors has a corrupt safetensors header: tensor "b" overlaps tensor "a"/,
    ],
    ['a missing config', () => withConfig(null), /^No config.json in /],
    [
      'an unsupported architecture',
      () => withConfig(JSON.stringify({ architectures: ['GPT2LMHeadModel'], n_embd: 16 })),
      /GPT2LMHeadModel, which is not supported/,
    ],
    [
      'an empty folder',
      async () => {
        const dir = target();
        await mkdir(dir);
        return dir;
      },
      /^No config.json in /,
    ],
    ['invalid JSON in config', () => withConfig('{"architectures": ["LlamaForCausalLM"], '), /config.json is not valid JSON/],
    ['a folder that does not exist', async () => join(root, 'nowhere'), /does not exist/],
    [
      'weights that do not match the config',
      () => withWeights(handMade({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 16)),
      /lack \d+ tensors that config.json requires/,
    ],
  ];

  it.concurrent.each(cases)('%s: exits non-zero with one plain line', async (_what, make, message) => {
    const dir = await make();
    const { code, stdout, stderr } = await cli([dir, '--json']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at |Error:/);
  });
});
