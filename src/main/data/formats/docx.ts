/// <reference lib="dom" />
// The readers walk documents parsed by linkedom, which implements the standard DOM types.
/**
 * Word documents (.docx) through mammoth, which turns WordprocessingML into simple semantic HTML:
 * headings from the paragraph styles, lists from the numbering definitions, tables, footnotes
 * and endnotes (as a list at the end, each with a link back). That HTML then goes through the
 * same text writer as web pages. Images are not read at all.
 *
 * The zip is checked first (zip.ts): a damaged or truncated file, a file that would unpack to
 * gigabytes, or a zip that is not a Word document is refused with its own reason.
 */
import mammoth from 'mammoth';
import type { Extracted } from './extracted.js';
import { writeHtmlText } from './html-text.js';
import { parseHtml } from './markup.js';
import { PlainTextWriter } from './plain-text.js';
import { unzipEntries, ZipProblem } from './zip.js';

const MAIN_PART = 'word/document.xml';

export async function docxText(bytes: Uint8Array): Promise<Extracted> {
  try {
    // Nothing is unpacked here: the directory is read and the sizes of the parts mammoth reads are checked.
    const { names } = await unzipEntries(bytes, (name) => name.startsWith('word/') && name.endsWith('.xml'), 'Word document', false);
    if (!names.includes(MAIN_PART)) return { ok: false, reason: 'not a Word document (a zip without word/document.xml)' };
  } catch (e) {
    if (e instanceof ZipProblem) return { ok: false, reason: e.message };
    throw e;
  }
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(async () => ({ src: '' })), externalFileAccess: false },
    );
    html = result.value;
  } catch (e) {
    return { ok: false, reason: `Word document could not be read (${(e as Error).message}); open it in Word and save it again` };
  }
  const body = parseHtml(`<!DOCTYPE html><html><body>${html}</body></html>`).body;
  markNotes(body);
  const w = new PlainTextWriter();
  writeHtmlText(body, w);
  const text = w.toString();
  if (text === '') return { ok: false, reason: 'Word document without text' };
  return { ok: true, text, encoding: 'docx' };
}

/**
 * mammoth writes notes as <ol><li id="footnote-1">…<a href="#footnote-ref-1">↑</a></li></ol>
 * after the text; the standard roles (doc-endnotes, doc-backlink) let the HTML writer move them
 * to the end with their labels, like the notes of any web page.
 */
function markNotes(body: Element): void {
  for (const item of Array.from(body.querySelectorAll('li[id^="footnote-"], li[id^="endnote-"]'))) {
    item.parentElement?.setAttribute('role', 'doc-endnotes');
    for (const back of Array.from(item.querySelectorAll('a[href^="#footnote-ref-"], a[href^="#endnote-ref-"]'))) back.setAttribute('role', 'doc-backlink');
  }
}
