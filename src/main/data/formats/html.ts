/// <reference lib="dom" />
// The readers walk documents parsed by linkedom, which implements the standard DOM types.
/**
 * A saved web page (.html, .htm, .xhtml) read as a document: the main content's text, without
 * markup, scripts, styles, navigation or the site's header and footer.
 *
 * The main content is what the page marks as such (<main>, role="main", or its one <article>);
 * a page without those landmarks goes through Mozilla's Readability (the engine of Firefox's
 * Reader View), which scores the blocks of a page to find its article. If Readability finds
 * nothing, the whole body is read, still without navigation, forms and the like.
 */
import { Readability } from '@mozilla/readability';
import { isUtf8 } from 'node:buffer';
import { decodeBytes } from '../decode.js';
import type { Extracted } from './extracted.js';
import { writeHtmlText } from './html-text.js';
import { parseHtml, parseXhtml } from './markup.js';
import { PlainTextWriter } from './plain-text.js';

/** The page's own statement of its encoding (<meta charset> or http-equiv), looked for in its opening bytes. */
const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)/i;

export function htmlText(bytes: Uint8Array, options: { xhtml?: boolean } = {}): Extracted {
  const decoded = decodeHtml(bytes);
  if (!decoded.ok) return decoded;
  const document = options.xhtml && decoded.text.trimStart().startsWith('<?xml') ? parseXhtml(decoded.text) : parseHtml(decoded.text);
  const { root, page } = mainContent(document);
  const w = new PlainTextWriter();
  if (root) writeHtmlText(root, w, { page });
  const text = w.toString();
  if (text === '') return { ok: false, reason: 'web page without readable text (only markup, scripts or navigation)' };
  return { ok: true, text, encoding: decoded.encoding };
}

/** Bytes -> text: a byte-order mark or valid UTF-8 first, then the charset the page declares, then a guess. */
function decodeHtml(bytes: Uint8Array): { ok: true; text: string; encoding: string } | { ok: false; reason: string } {
  if (!isUtf8(bytes)) {
    const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096));
    const declared = META_CHARSET.exec(head)?.[1];
    if (declared) {
      try {
        return { ok: true, text: new TextDecoder(declared).decode(bytes), encoding: declared.toLowerCase() };
      } catch {
        // An encoding this runtime does not know: fall through to the guess.
      }
    }
  }
  return decodeBytes(bytes);
}

/** The element holding the page's main content, and whether it is the whole page (so its own header and footer are left out). */
function mainContent(document: Document): { root: Element | null; page: boolean } {
  const main = document.querySelector('main, [role~="main"]');
  if (main) return { root: main, page: false };
  const articles = document.querySelectorAll('article');
  if (articles.length === 1) return { root: articles[0], page: false };
  const body = document.body ?? document.documentElement;
  if (!body) return { root: null, page: true };
  // Readability changes the document it reads, so it gets a copy; the page stays whole for the fallback.
  const article = new Readability(document.cloneNode(true) as Document, { charThreshold: 0 }).parse();
  if (article?.content) {
    const found = parseHtml(`<!DOCTYPE html><html><body>${article.content}</body></html>`).body;
    if (found && (found.textContent ?? '').trim() !== '') return { root: found, page: false };
  }
  return { root: body, page: true };
}
