/** Documents out of files: every supported type, and every kind of bad input with its message. */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDocuments, type ReadDocumentOptions, type SourceDocument } from '../../../src/main/data/documents.js';
import type { SkippedInput } from '../../../src/main/data/jsonl.js';
import { listCorpusFiles } from '../../../src/main/data/list-files.js';
import { pdfText } from '../../../src/main/data/pdf-text.js';
import { tempDir } from '../../helpers/tmp.js';
import { minimalPdf } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('slayer-data-docs-')));
afterEach(() => cleanup());

async function read(path: string, options: ReadDocumentOptions = {}): Promise<{ docs: SourceDocument[]; skipped: SkippedInput[] }> {
  const listing = await listCorpusFiles(path);
  const skipped = [...listing.skipped];
  const docs: SourceDocument[] = [];
  for await (const d of readDocuments(listing.files, options, skipped)) docs.push(d);
  return { docs, skipped };
}

const text = (d: SourceDocument) => ('text' in d ? d.text : null);

describe('readDocuments', () => {
  it('reads text, Markdown, source code and PDF files as one document each', async () => {
    await writeFile(join(dir, 'notes.txt'), 'Plain notes.\r\nSecond line.\r\n');
    await writeFile(join(dir, 'proof.md'), '# Lemma\n\nLet $p$ be prime.\n');
    await writeFile(join(dir, 'main.py'), 'def add(a, b):\n    return a + b\n');
    await writeFile(join(dir, 'statute.pdf'), minimalPdf(['Section 1. Definitions.', 'The Licensor grants (a) a licence.']));
    const { docs, skipped } = await read(dir);
    expect(skipped).toEqual([]);
    expect(docs.map((d) => [d.source, d.kind, text(d)])).toEqual([
      ['main.py', 'code', 'def add(a, b):\n    return a + b\n'],
      ['notes.txt', 'text', 'Plain notes.\nSecond line.\n'],
      ['proof.md', 'markdown', '# Lemma\n\nLet $p$ be prime.\n'],
      ['statute.pdf', 'pdf', 'Section 1. Definitions.\nThe Licensor grants (a) a licence.'],
    ]);
  });

  it('extracts the text of a hand-written PDF exactly, and reports a damaged one', async () => {
    const ok = await pdfText(minimalPdf(['Article 5', 'Liability is limited.']));
    expect(ok).toEqual({ ok: true, text: 'Article 5\nLiability is limited.', encoding: 'pdf' });
    const broken = await pdfText(new TextEncoder().encode('%PDF-1.4\nthis is not a PDF body'));
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.reason).toMatch(/^PDF could not be read \(.+\); it may be damaged$/);
  });

  it('reads JSONL text from the chosen field and input_ids exactly as given', async () => {
    const lines = [
      JSON.stringify({ body: 'first text\r\nline', id: 1 }),
      '',
      JSON.stringify({ input_ids: [5, 0, 17, 3] }),
      JSON.stringify({ body: 'second text' }),
    ];
    await writeFile(join(dir, 'data.jsonl'), `${lines.join('\n')}\n`);
    const { docs, skipped } = await read(join(dir, 'data.jsonl'), { textField: 'body', vocabSize: 32 });
    expect(skipped).toEqual([]);
    expect(docs.map((d) => d.source)).toEqual(['data.jsonl:1', 'data.jsonl:3', 'data.jsonl:4']);
    expect(text(docs[0])).toBe('first text\nline');
    expect('ids' in docs[1] && [...docs[1].ids]).toEqual([5, 0, 17, 3]);
    expect(text(docs[2])).toBe('second text');
  });

  it('stops at a line that is not JSON with file:line, or skips it when asked, keeping the rest', async () => {
    await writeFile(join(dir, 'data.jsonl'), `${JSON.stringify({ text: 'good one' })}\n{"text": broken\n${JSON.stringify({ text: 'good two' })}\n`);
    await expect(read(dir)).rejects.toThrow(/^data\.jsonl:2: not valid JSON \(.+\)\. Fix that line, or choose to skip bad lines \(--bad-lines skip\)\.$/);
    const { docs, skipped } = await read(dir, { badLines: 'skip' });
    expect(docs.map(text)).toEqual(['good one', 'good two']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].path).toBe('data.jsonl:2');
    expect(skipped[0].reason).toMatch(/^not valid JSON/);
  });

  it('checks input_ids against the vocabulary and names file and line', async () => {
    await writeFile(join(dir, 'ids.jsonl'), `{"input_ids": [1, 2]}\n{"input_ids": [1, 40000, 2]}\n{"input_ids": [1, -2]}\n{"input_ids": []}\n{"other": 1}\n`);
    await expect(read(dir, { vocabSize: 32000 })).rejects.toThrow('ids.jsonl:2: token id 40000 at position 1 is outside the vocabulary (0..31999).');
    const { skipped } = await read(dir, { vocabSize: 32000, badLines: 'skip' });
    expect(skipped).toEqual([
      { path: 'ids.jsonl:2', reason: 'token id 40000 at position 1 is outside the vocabulary (0..31999)' },
      { path: 'ids.jsonl:3', reason: '"input_ids"[1] = -2 is not a token id (a whole number from 0)' },
      { path: 'ids.jsonl:4', reason: '"input_ids" is empty' },
      { path: 'ids.jsonl:5', reason: 'has neither "text" nor "input_ids"' },
    ]);
  });

  it('reports a JSONL line with invalid UTF-8 by its line', async () => {
    await writeFile(join(dir, 'bad.jsonl'), Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    await expect(read(dir)).rejects.toThrow(/^bad\.jsonl:2: not valid UTF-8\./);
  });

  it('skips binary, damaged UTF-8 and empty files with a reason and keeps the others', async () => {
    await writeFile(join(dir, 'a.txt'), 'kept text');
    await writeFile(
      join(dir, 'binary.txt'),
      Uint8Array.from({ length: 600 }, (_, i) => (i * 13) % 256),
    );
    const damagedPrefix = Buffer.from('Grüße, schöne Grüße ');
    await writeFile(join(dir, 'damaged.md'), Buffer.concat([damagedPrefix, Buffer.from([0xc3, 0x28])]));
    await writeFile(join(dir, 'empty.txt'), '');
    await writeFile(join(dir, 'blank.txt'), '  \n\n ');
    await writeFile(join(dir, 'empty.jsonl'), '');
    const { docs, skipped } = await read(dir);
    expect(docs.map((d) => d.source)).toEqual(['a.txt']);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    expect(reasons['binary.txt']).toBe('binary content (NUL bytes), not text');
    expect(reasons['damaged.md']).toMatch(new RegExp(`^invalid UTF-8 at byte ${damagedPrefix.length} \\(line 1\\)`));
    expect(reasons['empty.txt']).toBe('empty file');
    expect(reasons['blank.txt']).toBe('empty file (only whitespace)');
    expect(reasons['empty.jsonl']).toBe('empty file');
  });

  it('goes on when a listed file disappears before it is read, keeping what was read', async () => {
    for (const name of ['a.txt', 'b.txt', 'c.jsonl', 'd.txt']) await writeFile(join(dir, name), name.endsWith('jsonl') ? '{"text": "c"}\n' : name);
    const listing = await listCorpusFiles(dir);
    const skipped: SkippedInput[] = [];
    const docs: SourceDocument[] = [];
    const onFile = (_f: unknown, index: number) => {
      // While the first file is being read, two later ones vanish (another program deletes them).
      if (index === 0) void Promise.all([rm(join(dir, 'b.txt')), rm(join(dir, 'c.jsonl'))]);
    };
    for await (const d of readDocuments(listing.files, { onFile }, skipped)) {
      docs.push(d);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(docs.map((d) => d.source)).toEqual(['a.txt', 'd.txt']);
    expect(skipped).toEqual([
      { path: 'b.txt', reason: 'disappeared before it could be read' },
      { path: 'c.jsonl', reason: 'disappeared before it could be read' },
    ]);
  });
});
