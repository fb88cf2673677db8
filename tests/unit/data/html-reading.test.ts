/**
 * Web pages as source or as documents: a code corpus keeps the markup, a legal or math corpus
 * reads the text; the user's choice overrides the domain, is part of the token cache's key, and
 * is reported. The preview shows the first documents of every kind as they will be read.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus } from '../../../src/main/data/intake.js';
import { previewCorpus } from '../../../src/main/data/preview.js';
import type { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { tempDir } from '../../helpers/tmp.js';
import { makePdf, prose, tinyModel } from './helpers.js';
import { makeDocx, makeHtmlPage, makeOdt, SAMPLE, SAMPLE_TEXT } from './make-documents.js';

let root: string;
let cleanup: () => Promise<void>;
let tokenizer: ModelTokenizer;
const PAGE = makeHtmlPage(SAMPLE, 'x = 1');

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-data-html-'));
  tokenizer = (await tinyModel(root)).tokenizer;
  const data = join(root, 'data');
  await mkdir(data);
  await writeFile(join(data, 'judgment.html'), PAGE);
  for (let i = 0; i < 3; i++) await writeFile(join(data, `note-${i}.txt`), prose(150, i));
  await writeFile(join(data, 'contract.docx'), makeDocx(SAMPLE));
  await writeFile(join(data, 'statute.odt'), makeOdt({ ...SAMPLE, heading: 'Gesetz über Verträge' }));
  await writeFile(join(data, 'scan.pdf'), makePdf([{ image: true }]));
  await writeFile(join(data, 'statute.pdf'), makePdf([['Section 1. Scope.', 'This Act applies to all contracts.']]));
});
afterAll(() => cleanup());

describe('web pages in a corpus', () => {
  it('are source in a code corpus and documents in a legal one, as reported; the choice overrides the domain', async () => {
    const cacheRoot = join(root, 'cache');
    const code = await buildCorpus({ data: join(root, 'data'), tokenizer, cacheRoot, domain: 'code' });
    expect(code.html).toEqual({ reading: 'code', files: 1 });
    expect(code.kinds).toEqual({ code: 1, docx: 1, odt: 1, pdf: 1, text: 3 });
    const legal = await buildCorpus({ data: join(root, 'data'), tokenizer, cacheRoot, domain: 'legal' });
    expect(legal.html).toEqual({ reading: 'document', files: 1 });
    expect(legal.kinds).toEqual({ docx: 1, html: 1, odt: 1, pdf: 1, text: 3 });
    // The page's text without markup is shorter in tokens than its source; the two readings are cached apart.
    expect(legal.tokens).toBeLessThan(code.tokens);
    expect(legal.cacheKey).not.toBe(code.cacheKey);
    const chosen = await buildCorpus({ data: join(root, 'data'), tokenizer, cacheRoot, domain: 'code', html: 'document' });
    expect(chosen.html).toEqual({ reading: 'document', files: 1 });
    expect(chosen.cacheKey).toBe(legal.cacheKey);
    expect(chosen.fromCache).toBe(true);
    expect(legal.skipped).toEqual([{ path: 'scan.pdf', reason: 'PDF without a text layer: its one page has no text (a scanned image?); run OCR on it first' }]);
  });
});

describe('previewCorpus', () => {
  it('shows the first documents of each kind as they will be read, kinds by count', async () => {
    const preview = await previewCorpus(join(root, 'data'), { domain: 'legal', perKind: 2 });
    expect(preview.kinds).toEqual({ text: 3, pdf: 2, docx: 1, html: 1, odt: 1 });
    // Most files first; kinds with as many files keep the order in which the folder lists them.
    expect(Object.keys(preview.kinds)).toEqual(['text', 'pdf', 'docx', 'html', 'odt']);
    expect(preview.html).toEqual({ reading: 'document', files: 1 });
    expect(preview.documents.map((d) => [d.kind, d.source])).toEqual([
      ['text', 'note-0.txt'],
      ['text', 'note-1.txt'],
      ['pdf', 'statute.pdf'],
      ['docx', 'contract.docx'],
      ['html', 'judgment.html'],
      ['odt', 'statute.odt'],
    ]);
    const excerpt = (source: string) => preview.documents.find((d) => d.source === source)?.excerpt;
    expect(excerpt('contract.docx')).toBe(SAMPLE_TEXT);
    expect(excerpt('statute.pdf')).toBe('Section 1. Scope.\nThis Act applies to all contracts.');
    expect(excerpt('judgment.html')).toMatch(/^Kaufvertrag über ein Grundstück\n\nDer Käufer/);
    // The scan was tried for the PDF kind and is in the skip list with its reason.
    expect(preview.skipped).toEqual([
      { path: 'scan.pdf', reason: 'PDF without a text layer: its one page has no text (a scanned image?); run OCR on it first' },
    ]);

    const asCode = await previewCorpus(join(root, 'data'), { html: 'code' });
    expect(asCode.html).toEqual({ reading: 'code', files: 1 });
    expect(asCode.documents.find((d) => d.kind === 'html')?.excerpt).toBe(PAGE.slice(0, 600));
  });
});
