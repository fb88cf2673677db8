/**
 * Hugging Face export: weights converted to the requested type (exactly, or by round-to-nearest-even),
 * sharded like the source, config/tokenizer/slayer.json carried over, a model card that states the
 * plan's layer map and where the model came from, and the output rules (exists, inside the model).
 * config.json and model.safetensors.index.json are held to the keys transformers writes and reads
 * (written out here by hand), the index checked against the shards parsed by the test's own reader.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/main/export/index.js';
import { decodeFloats, encodeFloats } from '../../../src/main/model/dtypes.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { isUserError } from '../../../src/shared/errors.js';
import type { Plan } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { SMALL, surgeryOutput } from './helpers.js';
import { readSafetensors } from './independent.js';

/** What transformers' LlamaConfig / Qwen2Config need from config.json to build the model. */
const CONFIG_KEYS = [
  'architectures',
  'model_type',
  'hidden_size',
  'intermediate_size',
  'num_attention_heads',
  'num_hidden_layers',
  'num_key_value_heads',
  'max_position_embeddings',
  'rms_norm_eps',
  'rope_theta',
  'vocab_size',
  'tie_word_embeddings',
  'torch_dtype',
];

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-hf-export-'));
});
afterAll(async () => cleanup());

const BASE_README = '---\nlicense: llama2\nlanguage:\n- en\n---\n# Base model card\n';

async function compareTensors(sourceDir: string, outDir: string, type: 'F32' | 'F16' | 'BF16'): Promise<number> {
  const source = await ModelFolder.open(sourceDir);
  const out = await ModelFolder.open(outDir);
  try {
    expect([...out.tensors.keys()].sort()).toEqual([...source.tensors.keys()].sort());
    for (const [name, entry] of out.tensors) {
      expect(entry.dtype).toBe(type);
      const values = await source.readTensor(name);
      expect(await out.readTensor(name)).toEqual(decodeFloats(type, encodeFloats(type, values)));
    }
    return out.tensors.size;
  } finally {
    await source.close();
    await out.close();
  }
}

describe('HF export of a surgery output', () => {
  let dir: string;
  let plan: Plan;
  let out: string;
  beforeAll(async () => {
    ({ dir, plan } = await surgeryOutput(
      root,
      's-model',
      { strategy: 's', expand: 2, prune: 1 },
      { dtype: 'bf16' },
      {
        extraConfig: { _name_or_path: 'meta-llama/Llama-2-7b-hf' },
        readme: BASE_README,
      },
    ));
    out = join(root, 's-model-hf');
    const result = await exportModel(dir, { format: 'hf', out, dtype: 'f32' });
    expect(result).toMatchObject({ format: 'hf', out, dtype: 'f32', trainableLayers: [2, 5, 8] });
  });

  it('converts bf16 weights to f32 exactly and keeps every other file', async () => {
    expect(await compareTensors(dir, out, 'F32')).toBeGreaterThan(0);
    const source = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).toEqual({ ...source, torch_dtype: 'float32' });
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'slayer.json']) {
      expect(await readFile(join(out, f))).toEqual(await readFile(join(dir, f)));
    }
    expect((await readdir(root)).filter((n) => n.startsWith('.slayer-tmp-'))).toEqual([]);
  });

  it('writes a model card with licence, base model, the layer map and how it was made', async () => {
    const card = await readFile(join(out, 'README.md'), 'utf8');
    const [, front] = card.split('---\n');
    expect(front.split('\n')).toEqual(
      expect.arrayContaining(['license: llama2', 'base_model: meta-llama/Llama-2-7b-hf', 'tags:', '  - slayer-studio', '  - strategy-s']),
    );
    for (const l of plan.layers) {
      const row = card.split('\n').find((line) => line.startsWith(`| ${l.index} | `));
      expect(row).toBeDefined();
      expect(row).toContain(` ${l.kind} `);
      expect(row!.endsWith(l.trainable ? '| yes |' : '| no |')).toBe(true);
    }
    const removedRows = card.split('\n').filter((line) => line.startsWith('| - | removed |'));
    expect(removedRows).toEqual(plan.removed.map((i) => `| - | removed | ${i} | - | - |`));
    expect(card).toContain(
      `Trainable layers (0-based, this model): ${plan.layers
        .filter((l) => l.trainable)
        .map((l) => l.index)
        .join(', ')}.`,
    );
    expect(card).toContain(`${plan.counts.trainableParameters.toLocaleString('en-US')} trainable`);
    expect(card).toMatch(/fingerprint sha256 [0-9a-f]{64}/);
    expect(card).toContain('| 2 | new | 1, 2 | average of 1, 2; zeroed self_attn.o_proj.weight, mlp.down_proj.weight | yes |');
  });

  it('shows the training record and layer-score hash when slayer.json has them', async () => {
    const withTraining = join(root, 's-model-trained');
    await exportModel(dir, { format: 'hf', out: withTraining });
    const recordFile = join(withTraining, 'slayer.json');
    const record = JSON.parse(await readFile(recordFile, 'utf8'));
    record.training = { steps: 20, losses: [3.5, 3.1, 2.75], dataHash: 'sha256:abc|def' };
    record.plan.scores = { layers: [], samples: 8, seqLen: 64, dataHash: 'sha256:scores' };
    await writeFile(recordFile, JSON.stringify(record));
    const again = join(root, 's-model-trained-hf');
    await exportModel(withTraining, { format: 'hf', out: again });
    const card = await readFile(join(again, 'README.md'), 'utf8');
    expect(card).toContain('| steps | 20 |');
    expect(card).toContain('| losses | 3 values, first 3.5, last 2.75 |');
    expect(card).toContain('| dataHash | sha256:abc\\|def |');
    expect(card).toContain('Layer scores from 8 sequences of 64 tokens, data hash sha256:scores.');
    // The exported card becomes the next base card: its licence carries over.
    expect(card).toContain('license: llama2');
  });
});

describe('HF export of a plain folder', () => {
  it.each([
    ['f16', 'F16'],
    ['bf16', 'BF16'],
  ] as const)('rounds f32 weights to %s, stays sharded, and says the layer history is unknown', async (dtype, type) => {
    const dir = join(root, `plain-${dtype}`);
    await generateTestModel(dir, { ...SMALL, layers: 2, shardBytes: 30_000 });
    const out = join(root, `plain-${dtype}-out`);
    const result = await exportModel(dir, { format: 'hf', out, dtype });
    expect(result.trainableLayers).toBeNull();
    await compareTensors(dir, out, type);
    // Split at the source's largest shard size (scaled to the new type), as surgery does: sharded again.
    const files = await readdir(out);
    expect(files.filter((f) => f.endsWith('.safetensors')).length).toBeGreaterThan(1);
    expect(files).toContain('model.safetensors.index.json');
    // The index as save_pretrained writes it: metadata.total_size over all shards, and where each tensor lives.
    const index = JSON.parse(await readFile(join(out, 'model.safetensors.index.json'), 'utf8'));
    expect(Object.keys(index).sort()).toEqual(['metadata', 'weight_map']);
    const tensors = await readSafetensors(out);
    expect(index.metadata.total_size).toBe([...tensors.values()].reduce((n, t) => n + t.bytes, 0));
    expect(Object.keys(index.weight_map).sort()).toEqual([...tensors.keys()].sort());
    for (const [name, t] of tensors) expect(join(out, index.weight_map[name])).toBe(t.file);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(CONFIG_KEYS.filter((k) => !(k in config))).toEqual([]);
    expect(config.torch_dtype).toBe({ f16: 'float16', bf16: 'bfloat16' }[dtype]);
    const card = await readFile(join(out, 'README.md'), 'utf8');
    expect(card).toMatch(/^license: other {2}# /m);
    expect(card).toContain('has no slayer.json');
    expect(card).not.toContain('## Layer map');
  });
});

describe('HF export of a config written by newer transformers', () => {
  it('sets "dtype" as well as "torch_dtype", since transformers 4.56 and later read "dtype" first', async () => {
    const dir = join(root, 'dtype-key');
    await generateTestModel(dir, { ...SMALL, layers: 1, dtype: 'bf16' });
    const configFile = join(dir, 'config.json');
    const { torch_dtype: _, ...rest } = JSON.parse(await readFile(configFile, 'utf8'));
    await writeFile(configFile, JSON.stringify({ ...rest, dtype: 'bfloat16' }));
    const out = join(root, 'dtype-key-out');
    await exportModel(dir, { format: 'hf', out, dtype: 'f32' });
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect([config.dtype, config.torch_dtype]).toEqual(['float32', 'float32']);
  });
});

describe('HF export output rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'rules');
    await generateTestModel(dir, { ...SMALL, layers: 1 });
  });

  it('refuses an existing output unless asked to replace it, then replaces it', async () => {
    const out = join(root, 'rules-out');
    await exportModel(dir, { format: 'hf', out });
    const error = await exportModel(dir, { format: 'hf', out }).catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/already exists\. Choose a new name, or replace it with --force/);
    await writeFile(join(out, 'stale.txt'), 'old');
    await exportModel(dir, { format: 'hf', out, overwrite: true });
    expect(await readdir(out)).not.toContain('stale.txt');
  });

  it('refuses to write into or around the model folder', async () => {
    await expect(exportModel(dir, { format: 'hf', out: join(dir, 'inside') })).rejects.toThrow(/is the model folder or inside it/);
    await expect(exportModel(dir, { format: 'hf', out: root, overwrite: true })).rejects.toThrow(/contains the model folder/);
  });
});
