/** The DATA reader for score / eval / train: packing, exact token ids, sampling, data hash, built corpora. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCorpusReport } from '../../../src/main/data/built-corpus.js';
import { buildCorpus } from '../../../src/main/data/intake.js';
import { loadSequences } from '../../../src/main/data/sequences.js';
import { assignSplits } from '../../../src/main/data/splits.js';
import { TokenCache } from '../../../src/main/data/token-cache.js';
import type { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { prose, tinyModel } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let tokenizer: ModelTokenizer;
let other: ModelTokenizer;
const TEXTS = [prose(150, 1), prose(90, 2), prose(200, 3), prose(40, 4)];

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-data-seq-'));
  tokenizer = (await tinyModel(root)).tokenizer;
  other = (await tinyModel(root, 'byte-level')).tokenizer;
  await mkdir(join(root, 'texts'));
  for (let i = 0; i < TEXTS.length; i++) await writeFile(join(root, 'texts', `t${i}.txt`), TEXTS[i]);
});
afterAll(() => cleanup());

/** Reference packing: documents as [BOS] ids EOS, concatenated, cut into full windows. */
function referencePack(texts: string[], seqLen: number): number[][] {
  const all = texts.flatMap((t) => [tokenizer.bosId as number, ...tokenizer.encode(t, { addSpecial: false }), tokenizer.eosId as number]);
  const out: number[][] = [];
  for (let s = 0; s + seqLen <= all.length; s += seqLen) out.push(all.slice(s, s + seqLen));
  return out;
}

const plain = (seqs: Int32Array[]) => seqs.map((s) => [...s]);

describe('loadSequences', () => {
  it('packs a folder of text into full windows, in file order', async () => {
    const r = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 32 });
    const expected = referencePack(TEXTS, 32);
    expect(plain(r.sequences)).toEqual(expected);
    expect(r.tokens).toBe(expected.length * 32);
    expect(r.documents).toBe(TEXTS.length);
    expect(r.totalSequences).toBe(expected.length);
    expect(r.dataHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('uses input_ids exactly: no special tokens, one line one sequence, windows of seqLen', async () => {
    const file = join(root, 'ids.jsonl');
    await writeFile(file, `${JSON.stringify({ input_ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })}\n${JSON.stringify({ input_ids: [42, 7] })}\n`);
    const r = await loadSequences(file, tokenizer, { seqLen: 4 });
    expect(plain(r.sequences)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
      [42, 7],
    ]);
    const withoutTokenizer = await loadSequences(file, null, { seqLen: 4, packing: 'per-document' });
    expect(plain(withoutTokenizer.sequences)).toEqual(plain(r.sequences));
  });

  it('checks ids against the model vocabulary with file:line', async () => {
    const file = join(root, 'big-ids.jsonl');
    await writeFile(file, '{"input_ids": [1, 2]}\n{"input_ids": [3, 600]}\n');
    await expect(loadSequences(file, null, { seqLen: 4, vocabSize: 512 })).rejects.toThrow(
      'big-ids.jsonl:2: token id 600 at position 1 is outside the vocabulary (0..511).',
    );
  });

  it('per-document windows keep documents apart', async () => {
    const r = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 64, packing: 'per-document' });
    const expected = TEXTS.flatMap((t) => {
      const ids = [tokenizer.bosId as number, ...tokenizer.encode(t, { addSpecial: false }), tokenizer.eosId as number];
      const w: number[][] = [];
      for (let s = 0; s < ids.length; s += 64) w.push(ids.slice(s, s + 64));
      return w;
    });
    expect(plain(r.sequences)).toEqual(expected);
  });

  it('samples a seeded subset in data order, and the data hash follows content and settings', async () => {
    const all = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 16 });
    const a = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 16, samples: 5, seed: 1 });
    const again = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 16, samples: 5, seed: 1 });
    const b = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 16, samples: 5, seed: 2 });
    expect(a.sequences).toHaveLength(5);
    expect(a.totalSequences).toBe(all.sequences.length);
    expect(plain(again.sequences)).toEqual(plain(a.sequences));
    expect(again.dataHash).toBe(a.dataHash);
    expect(plain(b.sequences)).not.toEqual(plain(a.sequences));
    expect(b.dataHash).not.toBe(a.dataHash);
    // A subset of all sequences, in their original order.
    const index = plain(a.sequences).map((s) => plain(all.sequences).findIndex((t) => t.join() === s.join()));
    expect(index.every((i) => i >= 0)).toBe(true);
    expect([...index].sort((x, y) => x - y)).toEqual(index);
    const more = await loadSequences(join(root, 'texts'), tokenizer, { seqLen: 16, samples: 10_000 });
    expect(plain(more.sequences)).toEqual(plain(all.sequences));
    expect(more.dataHash).not.toBe(all.dataHash); // the settings are part of the hash
  });

  it('says so when the data is shorter than one sequence, or is text without a tokenizer', async () => {
    const small = join(root, 'small.txt');
    await writeFile(small, 'just a few words');
    await expect(loadSequences(small, tokenizer, { seqLen: 512 })).rejects.toThrow(
      /small\.txt holds \d+ tokens, less than one sequence of 512\. Add more text or choose a shorter sequence length \(--seq-len\)\./,
    );
    await expect(loadSequences(small, null, { seqLen: 4 })).rejects.toThrow(
      'small.txt is text, but there is no tokenizer to turn it into tokens. Add the model\'s tokenizer.json, or give token ids as JSONL "input_ids" lines.',
    );
    await expect(loadSequences(join(root, 'missing'), tokenizer, { seqLen: 4 })).rejects.toThrow(/missing does not exist or cannot be read/);
  });

  it('reads a split of a built corpus with the split settings recorded in corpus.json', async () => {
    const out = join(root, 'built');
    const report = await buildCorpus({ data: join(root, 'texts'), tokenizer, cacheRoot: join(out, 'cache'), seed: 3, validationFraction: 0.25 });
    await saveCorpusReport(out, report);
    const validation = await loadSequences(out, tokenizer, { seqLen: 8, split: 'validation', seed: 99 });
    const train = await loadSequences(join(out, 'corpus.json'), tokenizer, { seqLen: 8 });
    // Reference: which texts the recorded seed put on each side (listing order = file name order = TEXTS order).
    const cache = (await TokenCache.open(report.cacheDir))!;
    const splits = assignSplits(cache.flags, 0.25, 3);
    expect(plain(validation.sequences)).toEqual(
      referencePack(
        TEXTS.filter((_, i) => splits[i] === 'validation'),
        8,
      ),
    );
    expect(plain(train.sequences)).toEqual(
      referencePack(
        TEXTS.filter((_, i) => splits[i] === 'train'),
        8,
      ),
    );
    await expect(loadSequences(out, other, { seqLen: 8 })).rejects.toThrow(/was tokenised with a different tokenizer than this model's/);
  });
});
