/**
 * Models where most users have them: the Hugging Face cache, every file a link into blobs/. The
 * cache is found under each environment setting, a snapshot works as a model folder for every
 * command (sizes and hashes follow the links; outputs are real files), and an incomplete download
 * is one line that names the file. Sizes are checked against the blobs themselves.
 */
import { execFile } from 'node:child_process';
import { lstat, readdir, readlink, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreLayers } from '../../../src/main/analysis/index.js';
import { evaluateModel } from '../../../src/main/evaluate/index.js';
import { exportModel } from '../../../src/main/export/index.js';
import { hashFolder } from '../../../src/main/fs/hash-folder.js';
import { inspectModel } from '../../../src/main/inspect/inspect.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { hfCacheDir, listCachedModels } from '../../../src/main/model/hf-cache.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import { train } from '../../../src/main/train/index.js';
import { moveIntoHfCache } from '../../helpers/hf-cache-layout.js';
import { tempDir } from '../../helpers/tmp.js';

const run = promisify(execFile);
const MODEL = { layers: 3, hiddenSize: 32, intermediateSize: 48, heads: 4, kvHeads: 2, vocabSize: 330, dtype: 'bf16' as const, seed: 5 };

let t: { dir: string; cleanup: () => Promise<void> };
let cache: string;
let snapshot: string;
let blobBytes: number;
let dataFile: string;

/** Every file under dir, with whether it is a link. */
async function files(dir: string): Promise<{ name: string; link: boolean }[]> {
  return Promise.all((await readdir(dir)).map(async (name) => ({ name, link: (await lstat(join(dir, name))).isSymbolicLink() })));
}

beforeAll(async () => {
  t = await tempDir('slayer-hfcache-');
  cache = join(t.dir, 'hub');
  const source = join(t.dir, 'download');
  // Sharded, as 7B models are: the index lists three shards.
  await generateTestModel(source, { ...MODEL, shardBytes: 40_000 });
  snapshot = await moveIntoHfCache(source, cache, 'acme/tiny-llama', 'c0ffee'.padEnd(40, '0'));
  const blobs = join(cache, 'models--acme--tiny-llama', 'blobs');
  blobBytes = (await Promise.all((await readdir(blobs)).map(async (b) => (await stat(join(blobs, b))).size))).reduce((a, b) => a + b, 0);
  dataFile = join(t.dir, 'ids.jsonl');
  const lines = Array.from({ length: 4 }, (_, s) => JSON.stringify({ input_ids: Array.from({ length: 10 }, (_, i) => (i * 31 + s * 7) % 330) }));
  await writeFile(dataFile, `${lines.join('\n')}\n`);
});
afterAll(() => t.cleanup());

describe('finding the cache', () => {
  it('HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub', () => {
    expect(hfCacheDir({ HF_HUB_CACHE: '/x/hub', HF_HOME: '/y' })).toBe('/x/hub');
    expect(hfCacheDir({ HF_HOME: '/y' })).toBe('/y/hub');
    expect(hfCacheDir({ XDG_CACHE_HOME: '/z' })).toBe('/z/huggingface/hub');
    expect(hfCacheDir({})).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
  });

  it('lists the snapshot with its repository, revision, size and tokenizer, under each setting', async () => {
    const expected = {
      repo: 'acme/tiny-llama',
      revision: 'c0ffee'.padEnd(40, '0'),
      refs: ['main'],
      path: snapshot,
      bytes: blobBytes,
      hasTokenizer: true,
      architecture: 'LlamaForCausalLM',
      layers: 3,
      problem: null,
    };
    expect(await listCachedModels(hfCacheDir({ HF_HUB_CACHE: cache }))).toEqual([expect.objectContaining(expected)]);
    expect(await listCachedModels(hfCacheDir({ HF_HOME: t.dir }))).toEqual([expect.objectContaining(expected)]);
    // XDG_CACHE_HOME/huggingface/hub: point it at a folder whose huggingface/hub is our cache.
    const xdg = join(t.dir, 'xdg');
    await run('mkdir', ['-p', join(xdg, 'huggingface')]);
    await run('ln', ['-s', cache, join(xdg, 'huggingface', 'hub')]);
    const viaXdg = join(xdg, 'huggingface', 'hub', 'models--acme--tiny-llama', 'snapshots', expected.revision);
    expect(await listCachedModels(hfCacheDir({ XDG_CACHE_HOME: xdg }))).toEqual([expect.objectContaining({ ...expected, path: viaXdg })]);
    expect(await listCachedModels(join(t.dir, 'no-cache-here'))).toEqual([]);
  });

  it('slayer models --json prints the same list', async () => {
    const { stdout } = await run(process.execPath, ['bin/slayer.js', 'models', '--json'], { env: { ...process.env, HF_HUB_CACHE: cache } });
    const doc = JSON.parse(stdout);
    expect(doc.cacheDir).toBe(cache);
    expect(doc.models.map((m: { path: string }) => m.path)).toEqual([snapshot]);
  });
});

describe('a snapshot of links is a model folder', () => {
  it('inspect sizes the files behind the links and finds the tokenizer', async () => {
    expect((await files(snapshot)).every((f) => f.link)).toBe(true);
    const info = await inspectModel(snapshot);
    expect(info.bytesOnDisk).toBe(blobBytes);
    expect(info.hasTokenizer).toBe(true);
    expect(info.dtype).toBe('bf16');
  });

  it('the fingerprint hashes the files behind the links', async () => {
    const h = await hashFolder(snapshot);
    expect(h.totalBytes).toBe(blobBytes);
    // huggingface_hub names each blob by its SHA-256: the hash of every file is its link's target name.
    for (const f of h.files) expect(await readlink(join(snapshot, f.path))).toBe(join('..', '..', 'blobs', f.sha256));
  });

  it('plan, apply, score, eval, train and export all work; outputs are real files', async () => {
    const folder = await ModelFolder.open(snapshot);
    const plan = makePlan(folder.description, { strategy: 's', expand: 1, prune: 0 });
    await folder.close();
    const built = join(t.dir, 'built');
    await applyPlan(snapshot, plan, built);
    const out = await files(built);
    expect(out.map((f) => f.name)).toContain('tokenizer.json');
    expect(out.every((f) => !f.link)).toBe(true);

    expect((await scoreLayers(snapshot, dataFile, { threads: 1 })).layers).toHaveLength(3);
    expect((await evaluateModel(snapshot, { data: dataFile, threads: 1 })).tokens).toBe(4 * 9);
    const trained = join(t.dir, 'trained');
    await train(snapshot, { data: dataFile, out: trained, trainable: [2], steps: 1, batch: 2, threads: 1 });
    expect((await files(trained)).filter((f) => f.link)).toEqual([]);
    const exported = join(t.dir, 'exported');
    await exportModel(snapshot, { format: 'hf', out: exported });
    expect((await files(exported)).filter((f) => f.link)).toEqual([]);
  });
});

describe('an incomplete download', () => {
  /** A fresh copy of the cache with one thing broken. */
  async function brokenCache(name: string, breakIt: (snapshot: string, blobs: string) => Promise<void>): Promise<string> {
    const copy = join(t.dir, name);
    await run('cp', ['-a', cache, copy]);
    const snap = join(copy, 'models--acme--tiny-llama', 'snapshots', 'c0ffee'.padEnd(40, '0'));
    await breakIt(snap, join(copy, 'models--acme--tiny-llama', 'blobs'));
    return snap;
  }
  const target = async (snap: string, file: string) => resolve(snap, await readlink(join(snap, file)));

  it('a link whose blob is gone: one line naming the file, listed with the problem, nothing written', async () => {
    const snap = await brokenCache('broken-link', async (s) => rm(await target(s, 'tokenizer.json')));
    await expect(ModelFolder.open(snap)).rejects.toThrow(`${join(snap, 'tokenizer.json')} is a link to a file that does not exist`);
    const [listed] = await listCachedModels(join(snap, '..', '..', '..'));
    expect(listed.problem).toMatch(/^tokenizer\.json is a link to a file that is not in the cache/);
    const out = join(t.dir, 'never');
    await expect(applyPlan(snap, {}, out)).rejects.toThrow(/does not exist/);
    await expect(stat(out)).rejects.toThrow();
  });

  it('a shard the index lists is missing', async () => {
    const snap = await brokenCache('missing-shard', async (s) => {
      const shard = (await readdir(s)).find((f) => /-00002-of-/.test(f))!;
      await rm(join(s, shard));
    });
    await expect(ModelFolder.open(snap)).rejects.toThrow(/lists the shard model-00002-of-00003\.safetensors, which is missing/);
    const [listed] = await listCachedModels(join(snap, '..', '..', '..'));
    expect(listed.problem).toMatch(/weight file of model\.safetensors\.index\.json is missing/);
  });

  it('a blob of the wrong size', async () => {
    const snap = await brokenCache('short-blob', async (s) => {
      const shard = (await readdir(s)).find((f) => /-00001-of-/.test(f))!;
      const blob = await target(s, shard);
      await truncate(blob, (await stat(blob)).size - 100);
    });
    await expect(ModelFolder.open(snap)).rejects.toThrow(/model-00001-of-00003\.safetensors is truncated/);
  });
});
