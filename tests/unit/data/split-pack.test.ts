/** The seeded document split, and packing documents into sequences (round trip through the tokenizer). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { SequencePacker } from '../../../src/main/data/packing.js';
import { assignSplits } from '../../../src/main/data/splits.js';
import { chooseValidation, validationCount } from '../../../src/main/data/holdout.js';
import { GENERAL_TEXT } from '../../../src/main/data/token-cache.js';
import { textDocumentTokens } from '../../../src/main/data/tokenize.js';
import { tempDir } from '../../helpers/tmp.js';
import { prose, tinyModel } from './helpers.js';

describe('train / validation split', () => {
  it('holds out round(n * fraction) documents, at least one each side', () => {
    expect(validationCount(100, 0.1)).toBe(10);
    expect(validationCount(5, 0.1)).toBe(1);
    expect(validationCount(2, 0.5)).toBe(1);
    expect(validationCount(1, 0.1)).toBe(0);
    expect(validationCount(10, 0)).toBe(0);
    for (const [n, f] of [
      [100, 0.1],
      [37, 0.2],
      [3, 0.5],
    ] as const) {
      expect(chooseValidation(n, f, 4).reduce((a, b) => a + b, 0)).toBe(validationCount(n, f));
    }
  });

  it('is the same for the same seed and different for another', () => {
    const a = chooseValidation(200, 0.1, 1);
    expect(chooseValidation(200, 0.1, 1)).toEqual(a);
    expect(chooseValidation(200, 0.1, 2)).not.toEqual(a);
  });

  it('spreads validation documents over the corpus rather than taking a block', () => {
    const held = chooseValidation(1000, 0.1, 0);
    const firstHalf = held.subarray(0, 500).reduce((a, b) => a + b, 0);
    expect(firstHalf).toBeGreaterThan(30);
    expect(firstHalf).toBeLessThan(70);
  });

  it('splits domain and general documents separately; general text never moves domain documents', () => {
    const domainOnly = new Uint32Array(30);
    const mixed = new Uint32Array(50);
    for (let i = 30; i < 50; i++) mixed[i] = GENERAL_TEXT;
    const a = assignSplits(domainOnly, 0.2, 9);
    const b = assignSplits(mixed, 0.2, 9);
    expect(b.slice(0, 30)).toEqual(a);
    expect(b.slice(30).filter((s) => s === 'general-validation')).toHaveLength(4);
    expect(b.slice(30).every((s) => s.startsWith('general-'))).toBe(true);
  });
});

describe('packing', () => {
  let cleanup: () => Promise<void>;
  let spm: ModelTokenizer;
  let byteLevel: ModelTokenizer;
  beforeAll(async () => {
    const t = await tempDir('slayer-data-pack-');
    cleanup = t.cleanup;
    spm = (await tinyModel(t.dir, 'sentencepiece')).tokenizer;
    byteLevel = (await tinyModel(t.dir, 'byte-level')).tokenizer;
  });
  afterAll(() => cleanup());

  const docs = [prose(40, 1), 'def f(x):\n    return x * 2\n', prose(75, 2), 'Ünïcode café — 3.14159', prose(9, 3)];

  it('wraps each text document as [BOS] ids EOS following the tokenizer configuration', () => {
    const ids = textDocumentTokens(spm, 'hello world');
    const plain = spm.encode('hello world', { addSpecial: false });
    expect(spm.addBos).toBe(true);
    expect([...ids]).toEqual([spm.bosId, ...plain, spm.eosId]);
  });

  it('pack: concatenated sequences decode to the documents joined with EOS (with BOS as configured)', () => {
    const tok = byteLevel;
    const seqLen = 32;
    const packer = new SequencePacker(seqLen, 'pack');
    const sequences = docs.flatMap((d) => packer.push({ ids: textDocumentTokens(tok, d), exact: false }));
    const expected = docs.flatMap((d) => [...(tok.addBos ? [tok.bosId as number] : []), ...tok.encode(d, { addSpecial: false }), tok.eosId as number]);
    const packedLength = Math.floor(expected.length / seqLen) * seqLen;
    expect(sequences.every((s) => s.length === seqLen)).toBe(true);
    expect(sequences.flatMap((s) => [...s])).toEqual(expected.slice(0, packedLength));
    expect(packer.pendingTokens).toBe(expected.length - packedLength);
    // String level: the byte-level tokenizer decodes exactly, specials as their text.
    const bos = tok.decode([tok.bosId as number]);
    const eos = tok.decode([tok.eosId as number]);
    expect(tok.decode(expected)).toBe(docs.map((d) => `${bos}${d}${eos}`).join(''));
    expect(
      docs
        .map((d) => `${bos}${d}${eos}`)
        .join('')
        .startsWith(tok.decode(sequences.flatMap((s) => [...s]))),
    ).toBe(true);
  });

  it('per-document: windows of seqLen inside each document, never across', () => {
    const seqLen = 16;
    const packer = new SequencePacker(seqLen, 'per-document');
    for (const d of docs) {
      const ids = textDocumentTokens(spm, d);
      const windows = packer.push({ ids, exact: false });
      expect(windows).toHaveLength(Math.ceil(ids.length / seqLen));
      expect(windows.slice(0, -1).every((w) => w.length === seqLen)).toBe(true);
      expect(windows.flatMap((w) => [...w])).toEqual([...ids]);
    }
    expect(packer.pendingTokens).toBe(0);
  });

  it('exact ids are their own sequences even in pack mode, split into windows when longer', () => {
    const packer = new SequencePacker(4, 'pack');
    expect(packer.push({ ids: Int32Array.of(9, 9, 9), exact: false })).toEqual([]);
    const out = packer.push({ ids: Int32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), exact: true });
    expect(out.map((s) => [...s])).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    expect(packer.pendingTokens).toBe(3);
    expect(packer.push({ ids: Int32Array.of(7), exact: false }).map((s) => [...s])).toEqual([[9, 9, 9, 7]]);
  });
});
