/// <reference lib="dom" />
// The readers walk documents parsed by linkedom, which implements the standard DOM types.
/**
 * E-books (.epub 2 and 3): the zip through yauzl (zip.ts); META-INF/container.xml names the package
 * document, whose spine gives the reading order of the chapters; each chapter (XHTML) goes
 * through the same text writer as web pages. The navigation document (table of contents) is not
 * read; chapters marked non-linear (notes, cover pages) come after the linear ones; EPUB footnote
 * asides are moved to the end of the book. A book whose chapters are encrypted (DRM) is refused.
 */
import { posix } from 'node:path';
import type { Extracted } from './extracted.js';
import { writeHtmlText } from './html-text.js';
import { parseHtml, parseXhtml, parseXml, tagName } from './markup.js';
import { PlainTextWriter } from './plain-text.js';
import { entryText, unzipEntries, ZipProblem, type ZipContents } from './zip.js';

const CONTAINER = 'META-INF/container.xml';
const ENCRYPTION = 'META-INF/encryption.xml';
/** Font obfuscation (IDPF and Adobe) scrambles fonts only; any other algorithm on a chapter is DRM. */
const FONT_OBFUSCATION = new Set(['http://www.idpf.org/2008/embedding', 'http://ns.adobe.com/pdf/enc#RC']);
const CHAPTER_TYPES = new Set(['application/xhtml+xml', 'text/html']);

interface Chapter {
  path: string;
  xhtml: boolean;
}

export async function epubText(bytes: Uint8Array): Promise<Extracted> {
  try {
    const meta = await unzipEntries(bytes, (name) => name === CONTAINER || name === ENCRYPTION || name.toLowerCase().endsWith('.opf'), 'E-book');
    const container = entryText(meta, CONTAINER);
    if (container === null) return { ok: false, reason: 'not an EPUB e-book (no META-INF/container.xml)' };
    const packagePath = elements(parseXml(container), 'rootfile')[0]?.getAttribute('full-path');
    const opf = packagePath ? entryText(meta, packagePath) : null;
    if (!packagePath || opf === null) return { ok: false, reason: 'EPUB e-book whose package document is missing; the file is incomplete' };
    const chapters = readingOrder(opf, packagePath);
    if (chapters.length === 0) return { ok: false, reason: 'EPUB e-book without chapters' };
    if (encrypted(meta, chapters)) return { ok: false, reason: 'e-book protected by DRM (its chapters are encrypted); only DRM-free e-books can be read' };
    const wanted = new Set(chapters.map((c) => c.path));
    const files = await unzipEntries(bytes, (name) => wanted.has(name), 'E-book');
    const w = new PlainTextWriter();
    let missing = 0;
    for (const chapter of chapters) {
      const text = entryText(files, chapter.path);
      if (text === null) {
        missing++;
        continue;
      }
      const document = chapter.xhtml ? parseXhtml(text) : parseHtml(text);
      const body = document.querySelector('body') ?? document.documentElement;
      w.block();
      if (body) writeHtmlText(body, w);
      w.block();
    }
    const text = w.toString();
    if (missing === chapters.length) return { ok: false, reason: 'EPUB e-book whose chapters are missing from the file; it is incomplete' };
    if (text === '') return { ok: false, reason: 'EPUB e-book without text (only images?)' };
    const leftOut = missing > 0 ? `${missing} of ${chapters.length} chapters are missing from the e-book; the others were used` : undefined;
    return { ok: true, text, encoding: 'epub', ...(leftOut ? { leftOut } : {}) };
  } catch (e) {
    if (e instanceof ZipProblem) return { ok: false, reason: e.message };
    throw e;
  }
}

/** The spine's chapters in reading order (linear ones first), as paths inside the zip. */
function readingOrder(opf: string, packagePath: string): Chapter[] {
  const pkg = parseXml(opf);
  const base = posix.dirname(packagePath);
  const manifest = new Map<string, { path: string; type: string; nav: boolean }>();
  for (const item of elements(pkg, 'item')) {
    const id = item.getAttribute('id');
    const href = item.getAttribute('href');
    if (!id || !href) continue;
    const path = posix.normalize(posix.join(base === '.' ? '' : base, safeDecode(href.split('#')[0])));
    manifest.set(id, { path, type: item.getAttribute('media-type') ?? '', nav: /(^|\s)nav(\s|$)/.test(item.getAttribute('properties') ?? '') });
  }
  const linear: Chapter[] = [];
  const nonLinear: Chapter[] = [];
  for (const ref of elements(pkg, 'itemref')) {
    const item = manifest.get(ref.getAttribute('idref') ?? '');
    if (!item || item.nav || !CHAPTER_TYPES.has(item.type)) continue;
    (ref.getAttribute('linear') === 'no' ? nonLinear : linear).push({ path: item.path, xhtml: item.type === 'application/xhtml+xml' });
  }
  return [...linear, ...nonLinear];
}

/** Elements by local name (any case), whatever prefix the document gives its namespace (opf:item or item). */
function elements(root: Document | Element, local: string): Element[] {
  const wanted = local.toLowerCase();
  return Array.from(root.querySelectorAll('*')).filter((el) => tagName(el).replace(/^.*:/, '') === wanted);
}

function encrypted(meta: ZipContents, chapters: Chapter[]): boolean {
  const xml = entryText(meta, ENCRYPTION);
  if (xml === null) return false;
  const paths = new Set(chapters.map((c) => c.path));
  const doc = parseXml(xml);
  for (const data of elements(doc, 'EncryptedData')) {
    const method = elements(data, 'EncryptionMethod')[0];
    const uri = elements(data, 'CipherReference')[0]?.getAttribute('URI');
    if (uri && paths.has(posix.normalize(safeDecode(uri))) && !FONT_OBFUSCATION.has(method?.getAttribute('Algorithm') ?? '')) return true;
  }
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
