/**
 * ModelFolder: the tensor index points at the right bytes, reads return them, and a folder whose
 * weights do not match its config is refused with one line saying what is wrong.
 */
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { decodeFloats } from '../../../src/main/model/dtypes.js';
import { SafetensorsWriter, type TensorDeclaration } from '../../../src/main/model/safetensors-writer.js';
import type { TensorReader } from '../../../src/main/model/tensors.js';

let root: string;
let counter = 0;
const target = () => join(root, `model${counter++}`);
const options = { layers: 2, hiddenSize: 32, intermediateSize: 48, heads: 4, kvHeads: 2, vocabSize: 320, seed: 5, dtype: 'bf16' as const, shardBytes: 12_000 };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slayer-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Rewrites a folder's weights as one file, with tensors dropped, changed or added. */
async function rewriteWeights(
  dir: string,
  edit: (tensors: (TensorDeclaration & { bytes: Uint8Array })[]) => (TensorDeclaration & { bytes: Uint8Array })[],
): Promise<void> {
  const folder = await ModelFolder.open(dir);
  const tensors = [];
  for (const name of folder.tensors.keys()) {
    const raw = await folder.readRawTensor(name);
    tensors.push({ name, dtype: raw.dtype, shape: raw.shape, bytes: raw.bytes });
  }
  await folder.close();
  for (const f of await readdir(dir)) if (f.includes('safetensors')) await rm(join(dir, f));
  const edited = edit(tensors);
  const writer = await SafetensorsWriter.create(dir, edited);
  for (const t of edited) await writer.writeRawTensor(t.name, t.bytes);
  await writer.finish();
}

describe('ModelFolder', () => {
  it('indexes every tensor by file and absolute byte range, and reads exactly those bytes', async () => {
    const dir = target();
    const generated = await generateTestModel(dir, options);
    const folder: ModelFolder = await ModelFolder.open(dir);
    const reader: TensorReader = folder;
    try {
      expect(folder.files).toEqual(generated.files);
      expect(folder.files.length).toBeGreaterThan(1);
      for (const [name, entry] of folder.tensors) {
        const handle = await open(entry.file, 'r');
        const slice = Buffer.alloc(entry.byteRange[1] - entry.byteRange[0]);
        await handle.read(slice, 0, slice.length, entry.byteRange[0]);
        await handle.close();
        const raw = await folder.readRawTensor(name);
        expect(raw.bytes.equals(slice)).toBe(true);
        expect(raw.dtype).toBe('BF16');
        expect(raw.shape).toEqual(entry.shape);
        expect(Array.from(await reader.readTensor(name))).toEqual(Array.from(decodeFloats('BF16', slice)));
      }
      expect(reader.has('model.norm.weight')).toBe(true);
      expect(reader.has('lm_head.bias')).toBe(false);
      await expect(reader.readTensor('lm_head.bias')).rejects.toThrow(/no tensor named "lm_head.bias"/);
      const sizes = await Promise.all((await readdir(dir)).map(async (f) => (await stat(join(dir, f))).size));
      expect(folder.bytesOnDisk).toBe(sizes.reduce((a, b) => a + b, 0));
      expect(folder.dtype).toBe('BF16');
      expect(folder.hasTokenizer).toBe(true);
    } finally {
      await folder.close();
    }
  });

  it('lists tensors the model does not use, such as old rotary buffers or a tied LM head', async () => {
    const dir = target();
    await generateTestModel(dir, { ...options, tied: true, shardBytes: undefined });
    await rewriteWeights(dir, (tensors) => [
      ...tensors,
      { name: 'model.layers.0.self_attn.rotary_emb.inv_freq', dtype: 'F32', shape: [4], bytes: new Uint8Array(16) },
      { name: 'lm_head.weight', dtype: 'BF16', shape: [320, 32], bytes: new Uint8Array(320 * 32 * 2) },
    ]);
    const folder = await ModelFolder.open(dir);
    expect(folder.extraTensors.sort()).toEqual(['lm_head.weight', 'model.layers.0.self_attn.rotary_emb.inv_freq']);
    expect(folder.dtype).toBe('BF16');
    await folder.close();
  });

  it.each([
    [
      'a missing tensor',
      (t: any[]) => t.filter((x) => x.name !== 'model.layers.1.mlp.up_proj.weight'),
      /lack 1 tensor that config.json requires \(first: model.layers.1.mlp.up_proj.weight\)/,
    ],
    ['a missing layer', (t: any[]) => t.filter((x) => !x.name.startsWith('model.layers.1.')), /lack 9 tensors/],
    [
      'a wrong shape',
      (t: any[]) => t.map((x) => (x.name === 'model.norm.weight' ? { ...x, shape: [16, 2] } : x)),
      /model.norm.weight .* has shape \[16, 2\] but config.json implies \[32\]/,
    ],
    [
      'a quantized tensor',
      (t: any[]) => t.map((x) => (x.name === 'model.layers.0.mlp.down_proj.weight' ? { ...x, dtype: 'I16' } : x)),
      /down_proj.weight .* is stored as I16; only F32, F16 and BF16/,
    ],
  ])('refuses weights with %s', async (_what, edit, message) => {
    const dir = target();
    await generateTestModel(dir, options);
    await rewriteWeights(dir, edit);
    await expect(ModelFolder.open(dir)).rejects.toThrow(message);
  });

  it('refuses a config that does not belong to the weights', async () => {
    const dir = target();
    await generateTestModel(dir, options);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, intermediate_size: 64 }));
    await expect(ModelFolder.open(dir)).rejects.toThrow(/config.json implies \[64, 32\]. The config does not belong to these weights/);
  });
});
