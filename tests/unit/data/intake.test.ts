/** Corpus intake end to end: statistics, warnings, the token cache and its reuse. */
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, type CorpusOptions } from '../../../src/main/data/intake.js';
import { TokenCache, type CacheManifest } from '../../../src/main/data/token-cache.js';
import { textDocumentTokens } from '../../../src/main/data/tokenize.js';
import type { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { prose, tinyModel } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let tokenizer: ModelTokenizer;
let otherTokenizer: ModelTokenizer;

/** The domain documents, by file name; copies and near copies are added in `corpus`. */
const DOCS: Record<string, string> = {
  'contracts/a.txt': prose(120, 1),
  'contracts/b.md': `# Clause\n\n${prose(200, 2)}`,
  'code/c.py': 'def area(r):\n    return 3.14159 * r * r\n',
  'notes/d.txt': `Ünïcode — ${prose(60, 4)}`,
  'notes/e.txt': prose(700, 5),
};

async function corpus(dir: string): Promise<void> {
  for (const [name, text] of Object.entries(DOCS)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  await writeFile(join(dir, 'notes/z-copy.txt'), DOCS['contracts/a.txt']);
  await writeFile(join(dir, 'notes/z-near.txt'), DOCS['notes/e.txt'].replace(/^(\w+ ){3}/, 'new words here '));
  await writeFile(
    join(dir, 'notes/blob.txt'),
    Uint8Array.from({ length: 300 }, (_, i) => i % 7),
  );
  await mkdir(join(dir, 'node_modules/pkg'), { recursive: true });
  await writeFile(join(dir, 'node_modules/pkg/index.js'), 'module.exports = 1;');
}

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-data-intake-'));
  tokenizer = (await tinyModel(root, 'sentencepiece')).tokenizer;
  otherTokenizer = (await tinyModel(root, 'byte-level')).tokenizer;
  await corpus(join(root, 'data'));
  await mkdir(join(root, 'general'));
  for (let i = 0; i < 10; i++) await writeFile(join(root, 'general', `g${i}.txt`), prose(80, 100 + i));
});
afterAll(() => cleanup());

const options = (extra: Partial<CorpusOptions> = {}): CorpusOptions => ({
  data: join(root, 'data'),
  tokenizer,
  cacheRoot: join(root, 'cache'),
  seqLen: 64,
  ...extra,
});

const codePoints = (s: string) => [...s].length;

describe('buildCorpus', () => {
  it('counts documents, characters and tokens, removes duplicates and lists skipped files', async () => {
    const r = await buildCorpus(options({ general: join(root, 'general'), domain: 'legal' }));
    const kept = Object.values(DOCS);
    expect(r.documents).toBe(kept.length);
    expect(r.characters).toBe(kept.reduce((n, t) => n + codePoints(t), 0));
    const lengths = kept.map((t) => tokenizer.encode(t, { addSpecial: false }).length + 2); // BOS + EOS
    expect(r.tokens).toBe(lengths.reduce((a, b) => a + b, 0));
    expect(r.duplicatesRemoved).toBe(2);
    expect(r.duplicates).toEqual([
      { path: 'notes/z-copy.txt', of: 'contracts/a.txt', kind: 'exact' },
      { path: 'notes/z-near.txt', of: 'notes/e.txt', kind: 'near', similarity: expect.any(Number) },
    ]);
    expect(r.skipped).toEqual([
      { path: 'notes/blob.txt', reason: 'binary content (NUL bytes), not text' },
      { path: 'node_modules/', reason: 'vendored dependencies (node_modules)' },
    ]);
    expect(r.kinds).toEqual({ text: 3, markdown: 1, code: 1 });
    expect(r.encodings).toEqual({ 'utf-8': 5 });

    // Histogram and truncation, recomputed from the token lengths.
    expect(r.histogram.counts.reduce((a, b) => a + b, 0)).toBe(kept.length);
    for (const n of lengths) {
      const bin = r.histogram.edges.findIndex((e, i) => n >= e && n < r.histogram.edges[i + 1]);
      expect(r.histogram.counts[bin]).toBeGreaterThan(0);
    }
    expect(r.histogram.edges).toContain(64);
    expect(r.truncatedShare).toBeCloseTo(lengths.filter((n) => n > 64).length / lengths.length, 12);
    const beyond = lengths.reduce((s, n) => s + Math.max(0, n - 64), 0);
    expect(r.truncatedTokenShare).toBeCloseTo(beyond / r.tokens, 12);

    // Split by whole documents; general text split the same way.
    expect(r.split.train.documents + r.split.validation.documents).toBe(5);
    expect(r.split.validation.documents).toBe(1);
    expect(r.split.train.tokens + r.split.validation.tokens).toBe(r.tokens);
    expect(r.split.train.sequences).toBe(Math.floor(r.split.train.tokens / 64));
    expect(r.general?.documents).toBe(10);
    expect(r.split['general-validation'].documents).toBe(1);
    expect(r.split['general-train'].documents).toBe(9);

    expect(r.warnings.join('\n')).toMatch(/The corpus is small/);
    expect(r.warnings.join('\n')).toMatch(/1 file or line could not be used: notes\/blob\.txt \(binary content/);
    expect(r.warnings.join('\n')).not.toMatch(/No general text/);
  });

  it('writes token shards that read back as the documents, in corpus order', async () => {
    const r = await buildCorpus(options({ cacheRoot: join(root, 'cache-shards'), shardTokens: 100 }));
    const cache = (await TokenCache.open(r.cacheDir))!;
    expect(cache.manifest.shards.length).toBeGreaterThan(1);
    const read: number[][] = [];
    for await (const { ids } of cache.read(() => true)) read.push([...ids]);
    const inListingOrder = Object.keys(DOCS)
      .sort()
      .map((name) => DOCS[name]);
    expect(read).toEqual(inListingOrder.map((t) => [...textDocumentTokens(tokenizer, t)]));
    const bytes = await Promise.all(cache.manifest.shards.map(async (s) => (await stat(join(r.cacheDir, s.file))).size));
    expect(bytes.reduce((a, b) => a + b, 0)).toBe(4 * r.tokens);
  });

  it('reuses the cache on the next run, also with another split seed or sequence length', async () => {
    const cacheRoot = join(root, 'cache-reuse');
    const first = await buildCorpus(options({ cacheRoot }));
    expect(first.fromCache).toBe(false);
    expect(first.tokenizedDocuments).toBe(5);
    const manifestTime = (await stat(join(first.cacheDir, 'manifest.json'))).mtimeMs;

    const again = await buildCorpus(options({ cacheRoot, seed: 5, seqLen: 16 }));
    expect(again.fromCache).toBe(true);
    expect(again.tokenizedDocuments).toBe(0);
    expect(again.cacheKey).toBe(first.cacheKey);
    expect(again.tokens).toBe(first.tokens);
    expect(again.duplicates).toEqual(first.duplicates);
    expect(again.skipped).toEqual(first.skipped);
    expect(again.split.train.sequences).toBe(Math.floor(again.split.train.tokens / 16));
    expect((await stat(join(first.cacheDir, 'manifest.json'))).mtimeMs).toBe(manifestTime);
  });

  it('rebuilds when the reading settings, the tokenizer or the documents change', async () => {
    const cacheRoot = join(root, 'cache-invalidate');
    const base = await buildCorpus(options({ cacheRoot }));
    const exactOnly = await buildCorpus(options({ cacheRoot, nearDuplicateThreshold: null }));
    expect(exactOnly.cacheKey).not.toBe(base.cacheKey);
    expect(exactOnly.fromCache).toBe(false);
    expect(exactOnly.duplicatesRemoved).toBe(1);
    const field = await buildCorpus(options({ cacheRoot, textField: 'body' }));
    expect(field.fromCache).toBe(false);
    const otherTok = await buildCorpus(options({ cacheRoot, tokenizer: otherTokenizer }));
    expect(otherTok.fromCache).toBe(false);
    expect(otherTok.tokenizerHash).toBe(otherTokenizer.hash);

    const data = join(root, 'data-edited');
    await corpus(data);
    const before = await buildCorpus(options({ cacheRoot, data }));
    expect(before.cacheKey).toBe(base.cacheKey); // same content under another folder name: same key
    expect(before.fromCache).toBe(true);
    await writeFile(join(data, 'code/c.py'), 'def area(r):\n    return 3.14 * r * r\n');
    const after = await buildCorpus(options({ cacheRoot, data }));
    expect(after.cacheKey).not.toBe(base.cacheKey);
    expect(after.fromCache).toBe(false);
    expect((await readdir(cacheRoot)).filter((n) => !n.startsWith('.')).sort()).toEqual(
      [base, exactOnly, field, otherTok, after].map((r) => r.cacheKey).sort(),
    );
  });

  it('leaves no cache entry and no temporary files when cancelled or stopped by a bad line', async () => {
    const cacheRoot = join(root, 'cache-cancel');
    const controller = new AbortController();
    await expect(
      buildCorpus(options({ cacheRoot }), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.message.startsWith('Reading and tokenising')) controller.abort();
        },
      }),
    ).rejects.toThrow(/Cancelled/);
    expect(await readdir(cacheRoot)).toEqual([]);

    const jsonl = join(root, 'bad-jsonl');
    await mkdir(jsonl);
    await writeFile(join(jsonl, 'x.jsonl'), '{"text": "fine"}\nnot json\n');
    await expect(buildCorpus(options({ cacheRoot, data: jsonl }))).rejects.toThrow(/^x\.jsonl:2: not valid JSON/);
    expect(await readdir(cacheRoot)).toEqual([]);
    const skipped = await buildCorpus(options({ cacheRoot, data: jsonl, badLines: 'skip' }));
    expect(skipped.documents).toBe(1);
    expect(skipped.skipped.map((s) => s.path)).toEqual(['x.jsonl:2']);
  });

  it('sweeps build folders that a crash left behind a day ago, not ones that may still be in use', async () => {
    const cacheRoot = join(root, 'cache-sweep');
    await mkdir(join(cacheRoot, '.slayer-tmp-crashed/inner'), { recursive: true });
    await mkdir(join(cacheRoot, '.slayer-tmp-running'), { recursive: true });
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    await utimes(join(cacheRoot, '.slayer-tmp-crashed'), twoDaysAgo, twoDaysAgo);
    const r = await buildCorpus(options({ cacheRoot }));
    expect((await readdir(cacheRoot)).sort()).toEqual(['.slayer-tmp-running', r.cacheKey]);
  });

  it('refuses a folder with nothing usable, saying what was skipped', async () => {
    const empty = join(root, 'nothing');
    await mkdir(empty);
    await writeFile(join(empty, 'a.png'), 'x');
    await writeFile(join(empty, 'b.txt'), '');
    await expect(buildCorpus(options({ data: empty }))).rejects.toThrow(
      `No usable documents in ${empty}: all 2 files were skipped (1 binary file type (.png); 1 empty file). Choose a folder with plain text (.txt), Markdown (.md), source code, JSON Lines (.jsonl), PDF, Word (.docx, .doc), OpenDocument (.odt), RTF, e-books (.epub) or web pages (.html) files.`,
    );
  });

  it('warns when the corpus is mostly duplicates, has one document, or is shorter than one sequence', async () => {
    const dir = join(root, 'dups');
    await mkdir(dir);
    const text = prose(30, 50);
    for (let i = 0; i < 4; i++) await writeFile(join(dir, `copy${i}.txt`), text);
    const r = await buildCorpus(options({ data: dir, seqLen: 4096 }));
    expect(r.documents).toBe(1);
    const all = r.warnings.join('\n');
    expect(all).toMatch(/Most documents \(75%\) were duplicates/);
    expect(all).toMatch(/only one document, so none is left for validation/);
    expect(all).toMatch(/less than one sequence of 4096: nothing can be trained/);
    expect(all).toMatch(/No general text was given/);
  });

  it('keeps the manifest format stable: key, tokenizer facts, shards, summary', async () => {
    const r = await buildCorpus(options());
    const manifest = JSON.parse(await (await import('node:fs/promises')).readFile(join(r.cacheDir, 'manifest.json'), 'utf8')) as CacheManifest<unknown>;
    expect(manifest).toMatchObject({
      format: 'slayer-token-cache',
      version: 1,
      key: r.cacheKey,
      tokenizer: { hash: tokenizer.hash, bosId: tokenizer.bosId, eosId: tokenizer.eosId, addBos: true },
      documents: 5,
      tokens: r.tokens,
    });
  });
});
