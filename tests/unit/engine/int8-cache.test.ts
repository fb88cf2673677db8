/**
 * The int8 weight cache: a second load reads back exactly what the first quantised; the key
 * follows the checkpoint (a rewritten file is a new key); at most MAX_ENTRIES entries, least
 * recently used removed first; no entry without room on the disk, and a damaged or cancelled
 * entry leaves nothing that would be read.
 */
import { readdir, truncate, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { int8CacheKey, MAX_ENTRIES } from '../../../src/main/engine/int8-cache.js';
import { quantiseWeight } from '../../../src/main/engine/quantise.js';
import { HEAD_ENTRY, int8CacheBytes, loadQuantisedWeights, quantisedMatrices, type QuantisedWeights } from '../../../src/main/engine/quantised-weights.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { CancelledError } from '../../../src/shared/progress.js';
import { tempDir } from '../../helpers/tmp.js';

const SHAPE = { layers: 2, hiddenSize: 32, intermediateSize: 48, heads: 4, kvHeads: 2, vocabSize: 96, tokenizer: false } as const;

let cleanup: () => Promise<void>;
let root: string;
let dir: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-int8-cache-'));
  root = join(dir, 'weight-cache');
  for (let i = 0; i < MAX_ENTRIES + 1; i++) await generateTestModel(join(dir, `model-${i}`), { ...SHAPE, seed: i + 1, dtype: 'bf16' });
});
afterAll(() => cleanup());

async function load(model: number, head = true, extra: Partial<{ statfs: never; signal: AbortSignal }> = {}): Promise<QuantisedWeights> {
  const folder = await ModelFolder.open(join(dir, `model-${model}`));
  try {
    const cache = { root, key: await int8CacheKey(folder), modelDir: folder.dir, ...(extra.statfs ? { statfs: extra.statfs } : {}) };
    return await loadQuantisedWeights(folder, { head, cache, control: { signal: extra.signal } });
  } finally {
    await folder.close();
  }
}

function expectSameMatrices(a: QuantisedWeights, b: QuantisedWeights): void {
  for (let layer = 0; layer < a.description.layers; layer++) {
    for (const [name, m] of a.block(layer).matrices) {
      expect(b.block(layer).matrices.get(name)!.values).toEqual(m.values);
      expect(b.block(layer).matrices.get(name)!.scales).toEqual(m.scales);
    }
  }
}

describe('int8 weight cache', () => {
  it('quantises once, writes the entry, and reads the same values back', async () => {
    const first = await load(0);
    expect(first.origin).toMatchObject({ source: 'quantised', note: null });
    expect(first.origin.cacheDir).toMatch(/weight-cache/);
    const second = await load(0);
    expect(second.origin).toMatchObject({ source: 'cache', cacheDir: first.origin.cacheDir, note: null });
    expectSameMatrices(first, second);
    expect(second.head!.values).toEqual(first.head!.values);

    // What was read equals quantising the checkpoint's own fp32 values.
    const folder = await ModelFolder.open(join(dir, 'model-0'));
    const t = quantisedMatrices(folder.description)[0];
    const direct = quantiseWeight(await folder.readTensor(t.tensor), t.shape[0], t.shape[1]);
    await folder.close();
    expect(second.block(0).matrices.get('self_attn.q_proj.weight')!.values).toEqual(direct.values);
  });

  it('holds the head only when asked, but always caches it', async () => {
    const scores = await load(1, false);
    expect(scores.head).toBeNull();
    const probes = await load(1, true);
    expect(probes.origin.source).toBe('cache');
    expect(probes.head!.columns).toBe(SHAPE.vocabSize);
    expect(quantisedMatrices(probes.description).some((t) => t.name === HEAD_ENTRY)).toBe(true);
  });

  it('a rewritten checkpoint gets a new key', async () => {
    const folder = await ModelFolder.open(join(dir, 'model-0'));
    const before = await int8CacheKey(folder);
    await utimes(folder.files[0], new Date(), new Date(Date.now() + 5000));
    const after = await int8CacheKey(folder);
    await folder.close();
    expect(after).not.toBe(before);
    expect((await load(0)).origin.source).toBe('quantised');
  });

  it('keeps at most MAX_ENTRIES entries, least recently used removed first', async () => {
    for (let i = 0; i <= MAX_ENTRIES; i++) await load(i);
    const entries = (await readdir(root)).filter((n) => !n.startsWith('.'));
    expect(entries).toHaveLength(MAX_ENTRIES);
    expect((await load(MAX_ENTRIES)).origin.source).toBe('cache');
    expect((await load(0)).origin.source).toBe('quantised'); // the oldest went first
  });

  it('writes nothing when the disk would be left too full, and says so', async () => {
    const fake = (async () => ({ bavail: 1, bsize: 4096 })) as never;
    const folder = await ModelFolder.open(join(dir, 'model-2'));
    const key = await int8CacheKey(folder);
    await folder.close();
    const fresh = join(dir, 'other-cache');
    const folder2 = await ModelFolder.open(join(dir, 'model-2'));
    const w = await loadQuantisedWeights(folder2, { head: true, cache: { root: fresh, key, modelDir: folder2.dir, statfs: fake } });
    await folder2.close();
    expect(w.origin).toMatchObject({ source: 'quantised', cacheDir: null });
    expect(w.origin.note).toMatch(/not cached: .* would leave less than/);
    expect(await readdir(fresh)).toEqual([]);
  });

  it('a damaged entry counts as absent and is rebuilt; a cancelled build leaves nothing', async () => {
    const first = await load(1);
    const bytes = int8CacheBytes(first.description);
    await truncate(join((await load(1)).origin.cacheDir!, 'weights.bin'), bytes - 10);
    const rebuilt = await load(1);
    expect(rebuilt.origin.source).toBe('quantised');
    expectSameMatrices(first, rebuilt);

    const controller = new AbortController();
    controller.abort();
    const fresh = await tempDir('slayer-int8-cancel-');
    const folder = await ModelFolder.open(join(dir, 'model-3'));
    const cache = { root: fresh.dir, key: await int8CacheKey(folder), modelDir: folder.dir };
    await expect(loadQuantisedWeights(folder, { head: true, cache, control: { signal: controller.signal } })).rejects.toBeInstanceOf(CancelledError);
    await folder.close();
    expect(await readdir(fresh.dir)).toEqual([]);
    await fresh.cleanup();
  });
});
