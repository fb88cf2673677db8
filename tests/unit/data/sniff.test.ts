/**
 * Files whose name says nothing about their type are judged by their content: licence texts named
 * Apache-2.0 or GPL in UTF-8, UTF-16 with a byte-order mark and Latin-1 are read; binaries are
 * named in the skip list, also when a text name hides them.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDocuments, type SourceDocument } from '../../../src/main/data/documents.js';
import type { SkippedInput } from '../../../src/main/data/jsonl.js';
import { listCorpusFiles } from '../../../src/main/data/list-files.js';
import { sniffContent } from '../../../src/main/data/sniff.js';
import { tempDir } from '../../helpers/tmp.js';
import { minimalPdf } from './helpers.js';
import { makeDocx, makeEpub, makeOdt, makeRtf, makeDoc, SAMPLE } from './make-documents.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('slayer-data-sniff-')));
afterEach(() => cleanup());

async function read(path: string): Promise<{ docs: SourceDocument[]; skipped: SkippedInput[] }> {
  const listing = await listCorpusFiles(path);
  const skipped = [...listing.skipped];
  const docs: SourceDocument[] = [];
  for await (const d of readDocuments(listing.files, {}, skipped)) docs.push(d);
  return { docs, skipped };
}

/** The first bytes of a 64-bit ELF executable (header fields as `readelf -h` shows them). */
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(8), Buffer.from([2, 0, 0x3e, 0, 1, 0, 0, 0]), Buffer.alloc(200)]);
/** A 1x1 PNG: signature, IHDR, IDAT, IEND. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7356f810000000049454e44ae426082',
  'hex',
);

describe('content sniffing', () => {
  it('reads extensionless and meaningless-extension text in UTF-8, UTF-16 with a byte-order mark and Latin-1', async () => {
    await writeFile(join(dir, 'Apache-2.0'), 'Apache License\nVersion 2.0, January 2004\n');
    await writeFile(join(dir, 'GPL'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('GNU GENERAL PUBLIC LICENSE\n许可证第三版\n', 'utf16le')]));
    await writeFile(
      join(dir, 'Lizenz.v2'),
      Buffer.from('Lizenzbedingungen für die Nutzung der Software.\nGemäß § 69c UrhG dürfen Sie die Software vervielfältigen.\n', 'latin1'),
    );
    await writeFile(join(dir, 'notes.LICENSE'), 'Permission is hereby granted, free of charge.\n');
    const { docs, skipped } = await read(dir);
    expect(skipped).toEqual([]);
    expect(docs.map((d) => ['text' in d ? d.text : null, d.kind, 'encoding' in d ? d.encoding : null, d.source])).toEqual([
      ['Apache License\nVersion 2.0, January 2004\n', 'text', 'utf-8', 'Apache-2.0'],
      ['GNU GENERAL PUBLIC LICENSE\n许可证第三版\n', 'text', 'utf-16le with byte-order mark', 'GPL'],
      ['Lizenzbedingungen für die Nutzung der Software.\nGemäß § 69c UrhG dürfen Sie die Software vervielfältigen.\n', 'text', 'iso-8859-1', 'Lizenz.v2'],
      ['Permission is hereby granted, free of charge.\n', 'text', 'utf-8', 'notes.LICENSE'],
    ]);
  });

  it('skips an extensionless ELF binary and a PNG named .txt, each with what it is', async () => {
    await writeFile(join(dir, 'slayer-tool'), ELF);
    await writeFile(join(dir, 'logo.txt'), PNG);
    await writeFile(join(dir, 'kept.txt'), 'kept');
    const { docs, skipped } = await read(dir);
    expect(docs.map((d) => d.source)).toEqual(['kept.txt']);
    expect(skipped).toEqual([
      { path: 'slayer-tool', reason: 'an ELF executable or library, not text' },
      { path: 'logo.txt', reason: 'a PNG image, not text (despite its .txt name)' },
    ]);
  });

  it('recognises documents without an extension by their signature', async () => {
    const files: Record<string, Uint8Array> = {
      contract: makeDocx(SAMPLE),
      statute: makeOdt(SAMPLE),
      book: makeEpub(SAMPLE),
      memo: makeRtf(SAMPLE),
      old: makeDoc(SAMPLE),
      scan: minimalPdf(['Section 1.']),
      page: new TextEncoder().encode('<!DOCTYPE html>\n<html><body><main><p>Judgment.</p></main></body></html>'),
    };
    for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
    const listing = await listCorpusFiles(dir);
    expect(Object.fromEntries(listing.files.map((f) => [f.name, f.kind]))).toEqual({
      book: 'epub',
      contract: 'docx',
      memo: 'rtf',
      old: 'doc',
      page: 'html',
      scan: 'pdf',
      statute: 'odt',
    });
  });

  it('names other binaries, archives and secrets, and judges text by its control characters', () => {
    const bytes = (...parts: (number[] | string)[]) =>
      new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
    expect(sniffContent(bytes([0x1f, 0x8b, 8, 0], 'xxxx'))).toEqual({ skip: 'a gzip archive, not text' });
    expect(sniffContent(bytes('PK', [3, 4], 'x'.repeat(40)))).toEqual({
      skip: 'a zip archive, not a document (unpack it into the folder to use what it holds)',
    });
    expect(sniffContent(bytes('MZ', [0x90, 0, 3, 0]))).toEqual({ skip: 'a Windows executable, not text' });
    expect(sniffContent(bytes('SQLite format 3', [0]))).toEqual({ skip: 'an SQLite database, not text' });
    expect(sniffContent(bytes('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n'))).toEqual({ skip: 'a private key, never used for training' });
    expect(sniffContent(bytes([1, 2, 3, 4, 5, 6, 7, 8], 'abcdefgh'))).toEqual({
      skip: 'binary content (8 control characters in the first 16 bytes), not text',
    });
    expect(sniffContent(bytes('MZ is a fine start for a text.'))).toEqual({ kind: 'text' });
    expect(sniffContent(bytes(''))).toEqual({ skip: 'empty file' });
  });
});
