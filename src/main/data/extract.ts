/**
 * One file's bytes -> its text, by kind: each format has its own reader (formats/*.ts, pdf-text.ts,
 * decode.ts for text and source). Every kind is read whole, so each has a size it is read up to,
 * checked from the listing before a byte is read: past it the file is skipped with its size and
 * the limit, never half-read. JSON Lines is not here: it is streamed line by line (jsonl.ts).
 */
import { defaultHtmlReading, type HtmlReading } from '../../shared/corpus.js';
import { decodeBytes } from './decode.js';
import type { DocumentKind } from './file-types.js';
import { docText } from './formats/doc.js';
import { docxText } from './formats/docx.js';
import { epubText } from './formats/epub.js';
import type { Extracted } from './formats/extracted.js';
import { htmlText } from './formats/html.js';
import { odtText } from './formats/odt.js';
import { rtfText } from './formats/rtf.js';
import { pdfText } from './pdf-text.js';
import { binarySignature, contentKind, SNIFF_BYTES } from './sniff.js';
import { formatSize } from './sizes.js';

export interface ReadSettings {
  /** How .html files are read: as documents (their text) or as source code (as written). */
  html: HtmlReading;
}

export const defaultReadSettings = (domain: string | null | undefined): ReadSettings => ({ html: defaultHtmlReading(domain) });

const MB = 2 ** 20;
/** A whole document in memory at once, at most: text, its decoded string and its tokens fit well within a worker's heap. */
const DOCUMENT_LIMIT = 256 * MB;
/** A web page is parsed into a DOM of roughly ten times its size, and Readability walks it several times. */
const WEB_PAGE_LIMIT = 32 * MB;
export const READ_LIMITS: Record<Exclude<DocumentKind, 'jsonl'>, number> = {
  text: DOCUMENT_LIMIT,
  markdown: DOCUMENT_LIMIT,
  code: DOCUMENT_LIMIT,
  pdf: DOCUMENT_LIMIT,
  html: WEB_PAGE_LIMIT,
  docx: DOCUMENT_LIMIT,
  doc: DOCUMENT_LIMIT,
  odt: DOCUMENT_LIMIT,
  rtf: DOCUMENT_LIMIT,
  epub: DOCUMENT_LIMIT,
};

const KIND_WORDS: Record<Exclude<DocumentKind, 'jsonl'>, string> = {
  text: 'a text file',
  markdown: 'a Markdown file',
  code: 'a source file',
  pdf: 'a PDF',
  html: 'a web page',
  docx: 'a Word document',
  doc: 'a Word document',
  odt: 'an OpenDocument text',
  rtf: 'an RTF document',
  epub: 'an e-book',
};

/** Why a file of this kind and size is not read, or null. One line, with what to do. */
export function sizeProblem(kind: Exclude<DocumentKind, 'jsonl'>, bytes: number, reading: HtmlReading): string | null {
  const asCode = kind === 'html' && reading === 'code';
  const limit = asCode ? DOCUMENT_LIMIT : READ_LIMITS[kind];
  if (bytes <= limit) return null;
  const what = asCode ? KIND_WORDS.code : KIND_WORDS[kind];
  const advice =
    kind === 'html' && !asCode
      ? 'split it into smaller pages, or save its text as .txt'
      : 'split it into smaller files, or give its text as JSON Lines (.jsonl), which is read line by line';
  return `${formatSize(bytes)}, more than the ${formatSize(limit)} read of ${what} (it is read whole into memory); ${advice}`;
}

export type ExtractedDocument = Extracted & { kind: DocumentKind };

const DOCUMENT_FORMATS = new Set<DocumentKind>(['pdf', 'docx', 'doc', 'odt', 'rtf', 'epub']);

/** The text of one file listed as `listed`; `name` only words the reasons. Document formats are read as their content shows. */
export async function extractText(listed: Exclude<DocumentKind, 'jsonl'>, bytes: Uint8Array, name: string, settings: ReadSettings): Promise<ExtractedDocument> {
  let kind = listed;
  if (DOCUMENT_FORMATS.has(listed)) {
    const actual = contentKind(listed, bytes.subarray(0, SNIFF_BYTES));
    if ('skip' in actual) return { ok: false, reason: `${actual.skip} (despite its ${extensionOf(name)} name)`, kind: listed };
    if (actual.kind !== 'jsonl') kind = actual.kind;
  }
  const as =
    (k: DocumentKind) =>
    (e: Extracted): ExtractedDocument => ({ ...e, kind: k });
  switch (kind) {
    case 'pdf':
      return as('pdf')(await pdfText(bytes));
    case 'docx':
      return as('docx')(await docxText(bytes));
    case 'doc':
      return as('doc')(await docText(bytes));
    case 'odt':
      return as('odt')(await odtText(bytes));
    case 'rtf':
      return as('rtf')(await rtfText(bytes));
    case 'epub':
      return as('epub')(await epubText(bytes));
    case 'html': {
      const binary = binarySignature(bytes.subarray(0, 512));
      if (binary) return { ok: false, reason: misnamed(binary, name), kind };
      if (settings.html === 'code') return as('code')(decodeBytes(bytes));
      return as('html')(htmlText(bytes, { xhtml: name.toLowerCase().endsWith('.xhtml') }));
    }
    default: {
      const binary = binarySignature(bytes.subarray(0, 512));
      if (binary) return { ok: false, reason: misnamed(binary, name), kind };
      return as(kind)(decodeBytes(bytes));
    }
  }
}

function misnamed(binary: string, name: string): string {
  const ext = extensionOf(name);
  return `${binary}, not text${ext ? ` (despite its ${ext} name)` : ''}`;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > name.lastIndexOf('/') + 1 ? name.slice(dot) : '';
}
