import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ProjectStore } from '../../../src/main/projects/store.js';
import { writeFolderAtomic, writeJsonAtomic } from '../../../src/main/fs/atomic.js';
import { SettingsStore } from '../../../src/main/settings.js';
import { tempDir } from '../../helpers/tmp.js';

describe('project store', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let store: ProjectStore;
  beforeEach(async () => {
    t = await tempDir();
    store = new ProjectStore(join(t.dir, 'projects'));
  });
  afterEach(() => t.cleanup());

  it('keeps each project its own settings.json: defaults, section patches, damaged files, duplicates', async () => {
    const a = await store.create('Contracts', 'legal');
    const b = await store.create('Proofs', 'math');
    // Nothing saved yet: the defaults (5 % forgetting limit, 512-token sequences, no folders chosen).
    expect(await store.readSettings(a.id)).toMatchObject({
      version: 1,
      corpus: { data: null, general: null, html: null, seqLen: 512, seed: 0, mixture: { weight: 1, sources: [], replayPercent: 0 } },
    });
    expect((await store.readSettings(a.id)).evaluation.forgettingLimit).toBe(0.05);
    await store.updateSettings(a.id, { corpus: { data: '/docs', seqLen: 256 }, evaluation: { forgettingLimit: 0.08 } });
    await store.updateSettings(a.id, { corpus: { general: '/novels' }, steps: { runs: { evaluate: { 'base-domain': 'job-1' } }, planScoresJob: 'job-2' } });
    const saved = JSON.parse(await readFile(join(a.dir, 'settings.json'), 'utf8'));
    expect(saved.corpus).toEqual({
      data: '/docs',
      general: '/novels',
      html: null,
      seqLen: 256,
      seed: 0,
      mixture: { weight: 1, sources: [], replayPercent: 0 },
    });
    expect(saved.pipeline).toMatchObject({ steps: 200, baselines: ['llama-pro', 'last-k'] });
    expect(saved.instruct).toMatchObject({ data: null, packing: 'pack', seqLen: null });
    expect(saved.evaluation.forgettingLimit).toBe(0.08);
    expect((await store.readSettings(b.id)).corpus.data).toBeNull();
    // Out-of-range values are refused, and the file is unchanged.
    await expect(store.updateSettings(a.id, { evaluation: { forgettingLimit: -1 } })).rejects.toThrow();
    expect((await store.readSettings(a.id)).evaluation.forgettingLimit).toBe(0.08);
    // A duplicate takes the choices, not the runs of the original.
    const copy = await store.duplicate(a.id);
    expect(await store.readSettings(copy.id)).toMatchObject({ corpus: { data: '/docs', general: '/novels' }, steps: { runs: {}, planScoresJob: null } });
    // A damaged file reads as the defaults, and the next change repairs it.
    await writeFile(join(b.dir, 'settings.json'), '{"corpus": oops');
    expect((await store.readSettings(b.id)).corpus.seqLen).toBe(512);
    await store.updateSettings(b.id, { corpus: { seed: 3 } });
    expect(JSON.parse(await readFile(join(b.dir, 'settings.json'), 'utf8')).corpus.seed).toBe(3);
  });

  it('creates, lists, updates, duplicates and deletes project folders', async () => {
    const a = await store.create('Contract Law', 'legal');
    expect(a.id).toMatch(/^contract-law-[0-9a-f]{6}$/);
    expect(await readdir(a.dir)).toEqual(['project.json']);
    await writeFile(join(a.dir, 'plan.json'), '{"version":1}');
    const updated = await store.update(a.id, { modelDir: '/models/x', name: 'Contracts' });
    expect(updated.name).toBe('Contracts');
    const copy = await store.duplicate(a.id);
    expect(copy.name).toBe('Contracts (copy)');
    expect(copy.modelDir).toBe('/models/x');
    expect(await readFile(join(copy.dir, 'plan.json'), 'utf8')).toBe('{"version":1}');
    expect((await store.list()).map((p) => p.id).sort()).toEqual([a.id, copy.id].sort());
    await store.delete(a.id);
    await expect(store.get(a.id)).rejects.toThrow(/no project/);
  });

  it('keeps an append-only metrics log and skips a torn last line', async () => {
    const p = await store.create('m', 'math');
    await store.appendMetric(p.id, { name: 'loss', step: 1, value: 2.5 });
    await store.appendMetric(p.id, { name: 'loss', step: 2, value: 2.25 });
    await writeFile(join(p.dir, 'metrics.jsonl'), '{"name":"loss","ste', { flag: 'a' });
    const m = await store.readMetrics(p.id);
    expect(m.map((r) => r.value)).toEqual([2.5, 2.25]);
  });
});

describe('atomic writes', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => (t = await tempDir()));
  afterEach(() => t.cleanup());

  it('a failing folder write leaves the previous folder intact and no temp folder', async () => {
    const target = join(t.dir, 'out');
    await writeFolderAtomic(target, async (d) => writeFile(join(d, 'a.txt'), 'first'));
    await expect(
      writeFolderAtomic(target, async (d) => {
        await writeFile(join(d, 'a.txt'), 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(join(target, 'a.txt'), 'utf8')).toBe('first');
    expect(await readdir(t.dir)).toEqual(['out']);
    await writeFolderAtomic(target, async (d) => {
      await mkdir(join(d, 'sub'));
      await writeFile(join(d, 'sub', 'b.txt'), 'second');
    });
    expect(await readdir(target)).toEqual(['sub']);
  });

  it('settings survive a reopen and ignore a corrupt file', async () => {
    const s = await SettingsStore.open(t.dir);
    await s.update({ threads: 3 });
    expect((await SettingsStore.open(t.dir)).get().threads).toBe(3);
    await writeJsonAtomic(join(t.dir, 'settings.json'), 'garbage');
    expect((await SettingsStore.open(t.dir)).get().dataDir).toBe(t.dir);
  });
});
