/**
 * Bad documents in a folder of good ones: each is skipped with one reason, the rest of the folder
 * is read, and nothing oversized is read into memory. Also the PDF page rules: running headers,
 * footers and page numbers removed, pages without text listed with their count.
 */
import { strToU8, unzipSync, zipSync } from 'fflate';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDocuments, type SourceDocument } from '../../../src/main/data/documents.js';
import type { SkippedInput } from '../../../src/main/data/jsonl.js';
import { listCorpusFiles } from '../../../src/main/data/list-files.js';
import { epubText } from '../../../src/main/data/formats/epub.js';
import { pageRanges, pdfText } from '../../../src/main/data/pdf-text.js';
import { stripRunningLines } from '../../../src/main/data/pdf-running-lines.js';
import { tempDir } from '../../helpers/tmp.js';
import { makePdf } from './helpers.js';
import { makeDocx, makeEpub, makeRtf, SAMPLE, SAMPLE_TEXT } from './make-documents.js';

let dir: string;
let cleanup: () => Promise<void>;

/** A zip whose central directory says `name` unpacks to `bytes` (a "zip bomb" as its directory describes it). */
function declareSize(zip: Uint8Array, name: string, bytes: number): Uint8Array {
  const out = Buffer.from(zip);
  const header = out.indexOf(Buffer.concat([Buffer.from([0x50, 0x4b, 0x01, 0x02])]), 0);
  for (let at = header; at >= 0; at = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    const nameLength = out.readUInt16LE(at + 28);
    if (out.toString('utf8', at + 46, at + 46 + nameLength) === name) out.writeUInt32LE(bytes, at + 24);
  }
  return out;
}

/** The central directory of a zip overwritten with noise, as a failing disk or a broken download leaves it. */
function damageDirectory(zip: Uint8Array): Uint8Array {
  const out = Buffer.from(zip);
  const start = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  for (let i = start; i < start + 64; i++) out[i] = (i * 131) & 255;
  return out;
}

const HUGE_PAGE_BYTES = 200 * 1024 * 1024;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-data-bad-'));
  const docx = makeDocx(SAMPLE);
  await writeFile(join(dir, 'a-good.docx'), docx);
  await writeFile(join(dir, 'b-notes.txt'), 'Notes kept.\n');
  await writeFile(join(dir, 'truncated.docx'), docx.subarray(0, Math.floor(docx.length * 0.6)));
  await writeFile(join(dir, 'bomb.docx'), declareSize(docx, 'word/document.xml', 3_000_000_000));
  await writeFile(join(dir, 'damaged.epub'), damageDirectory(makeEpub(SAMPLE)));
  await writeFile(join(dir, 'locked.pdf'), makePdf([['Secret clause.']], { user: 'secret', owner: 'owner' }));
  await writeFile(join(dir, 'renamed.docx'), 'This is plain text under a Word name.');
  await writeFile(join(dir, 'letter.doc'), makeRtf({ ...SAMPLE, paragraphs: [{ text: 'Word saved this RTF letter as .doc.' }], list: [], table: [['A']] }));
  await writeFile(join(dir, 'photo.pdf'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]));
  // 200 MB of HTML on one line, written in pieces so that the test itself never holds it.
  const huge = createWriteStream(join(dir, 'huge.html'));
  const piece = `<p>${'clause '.repeat(1000)}</p>`;
  huge.write('<html><body>');
  for (let written = 12; written < HUGE_PAGE_BYTES; written += piece.length)
    if (!huge.write(piece)) await new Promise<void>((r) => huge.once('drain', () => r()));
  await new Promise<void>((r) => huge.end('</body></html>', () => r()));
});
afterAll(() => cleanup());

describe('bad documents', () => {
  it('are skipped one by one, each with one reason, and the rest of the folder is read', async () => {
    const listing = await listCorpusFiles(dir);
    const skipped: SkippedInput[] = [...listing.skipped];
    const docs: SourceDocument[] = [];
    for await (const d of readDocuments(listing.files, {}, skipped)) docs.push(d);
    // A document file is read as what its content is: RTF saved as .doc, plain text under a .docx name.
    expect(docs.map((d) => [d.source, d.kind, 'text' in d ? d.text : null])).toEqual([
      ['a-good.docx', 'docx', SAMPLE_TEXT],
      ['b-notes.txt', 'text', 'Notes kept.\n'],
      ['letter.doc', 'rtf', 'Kaufvertrag über ein Grundstück\n\nWord saved this RTF letter as .doc.\n\nA'],
      ['renamed.docx', 'text', 'This is plain text under a Word name.'],
    ]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['bomb.docx', 'damaged.epub', 'huge.html', 'locked.pdf', 'photo.pdf', 'truncated.docx']);
    expect(reasons['photo.pdf']).toBe('a JPEG image, not text (despite its .pdf name)');
    expect(reasons['truncated.docx']).toBe(
      'Word document is damaged: its zip structure cannot be read (End of central directory record signature not found. Either not a zip file, or file is truncated.); open and save it again',
    );
    expect(reasons['bomb.docx']).toBe('Word document would unpack to more than 256 MB of text (a damaged or malicious file?); it was not unpacked');
    expect(reasons['damaged.epub']).toMatch(
      /^E-book is damaged: its zip structure cannot be read \(invalid central directory file header signature: 0x[0-9a-f]+\); open and save it again$/,
    );
    expect(reasons['locked.pdf']).toBe('password-protected PDF; save an unprotected copy');
    expect(reasons['huge.html']).toBe(
      '200 MB, more than the 32 MB read of a web page (it is read whole into memory); split it into smaller pages, or save its text as .txt',
    );
  });

  it('a PDF encrypted with a user password is a real one: it opens with the password', async () => {
    const { extractText, getDocumentProxy } = await import('unpdf');
    const doc = await getDocumentProxy(makePdf([['Secret clause.']], { user: 'secret', owner: 'owner' }), { password: 'secret', verbosity: 0 });
    expect((await extractText(doc, { mergePages: true })).text).toBe('Secret clause.');
  });
});

describe('protected documents', () => {
  it('reads a PDF that only restricts printing or copying (owner password), and refuses an e-book whose chapters are encrypted', async () => {
    expect(await pdfText(makePdf([['Open clause.']], { user: '', owner: 'owner' }))).toEqual({ ok: true, text: 'Open clause.', encoding: 'pdf' });
    const book = unzipSync(makeEpub(SAMPLE));
    const encryption = `<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/><enc:CipherData><enc:CipherReference URI="OEBPS/text/ch2.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>`;
    const fontsOnly = encryption
      .replace('http://www.w3.org/2001/04/xmlenc#aes128-cbc', 'http://www.idpf.org/2008/embedding')
      .replace('OEBPS/text/ch2.xhtml', 'OEBPS/font.otf');
    expect(await epubText(zipSync({ ...book, 'META-INF/encryption.xml': strToU8(encryption) }))).toEqual({
      ok: false,
      reason: 'e-book protected by DRM (its chapters are encrypted); only DRM-free e-books can be read',
    });
    expect(await epubText(zipSync({ ...book, 'META-INF/encryption.xml': strToU8(fontsOnly) }))).toEqual({ ok: true, text: SAMPLE_TEXT, encoding: 'epub' });
  });
});

describe('PDF pages', () => {
  it('drops running headers, footers and page numbers, and keeps numbered headings that do not count pages', async () => {
    const body = [
      ['Clause 3. The licensee pays the fee.', 'Payment is due within 30 days.'],
      ['Article 7', 'Termination needs written notice.'],
      ['Clause 12. Warranty is excluded.', 'Liability is limited to the fee.'],
      ['Article 8', 'German law governs this agreement.'],
    ];
    const pages = body.map((lines, i) => ['ACME Licence Agreement - Draft', ...lines, `Page ${i + 1} of 4`]);
    expect(await pdfText(makePdf(pages))).toEqual({ ok: true, text: body.map((lines) => lines.join('\n')).join('\n\n'), encoding: 'pdf' });
  });

  it('lists pages without text with their count, and refuses a PDF with none', async () => {
    expect(await pdfText(makePdf([['Section 1. Scope.'], { image: true }, ['Section 2. Term.'], { image: true }, { image: true }]))).toEqual({
      ok: true,
      text: 'Section 1. Scope.\n\nSection 2. Term.',
      encoding: 'pdf',
      leftOut: '3 of 5 pages without text left out (pages 2, 4–5: scanned images or blank pages); run OCR on the file to use them',
    });
    expect(await pdfText(makePdf([{ image: true }, { image: true }, { image: true }]))).toEqual({
      ok: false,
      reason: 'PDF without a text layer: none of its 3 pages has text (scanned images?); run OCR on it first',
    });
  });

  it('puts the pages left out in the skip list and keeps the document', async () => {
    const { dir: folder, cleanup: done } = await tempDir('slayer-data-scan-');
    try {
      await writeFile(join(folder, 'mixed.pdf'), makePdf([['Recital.'], { image: true }]));
      const listing = await listCorpusFiles(folder);
      const skipped: SkippedInput[] = [];
      const docs: SourceDocument[] = [];
      for await (const d of readDocuments(listing.files, {}, skipped)) docs.push(d);
      expect(docs.map((d) => d.source)).toEqual(['mixed.pdf']);
      expect(skipped).toEqual([
        { path: 'mixed.pdf', reason: '1 of 2 pages without text left out (page 2: scanned images or blank pages); run OCR on the file to use them' },
      ]);
    } finally {
      await done();
    }
  });

  it('counts roman and arabic page numbers as page counters, even when pages alternate headers', () => {
    const pages = [
      ['Odd header', 'i', 'First body.'],
      ['ii', 'Even header', 'Second body.'],
      ['Odd header', 'iii', 'Third body.'],
      ['iv', 'Even header', 'Fourth body.'],
    ];
    expect(stripRunningLines(pages)).toEqual([['First body.'], ['Second body.'], ['Third body.'], ['Fourth body.']]);
    expect(stripRunningLines([['Only page', '1']])).toEqual([['Only page', '1']]);
    expect(pageRanges([1, 3, 4, 5, 9])).toBe('1, 3–5, 9');
  });
});
