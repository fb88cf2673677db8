/**
 * Text of a PDF through unpdf (a packaged, offline build of Mozilla's pdf.js). Legal material
 * mostly arrives as PDF. Per page: its lines, without the running headers, footers and page
 * numbers that repeat on every page (pdf-running-lines.ts); pages are joined with a blank line.
 * Pages without any text (a scan, or a blank page) are named in the skip list with their count,
 * and a PDF with no text at all is refused: it needs OCR first.
 */
import { normalizeLineEndings } from './decode.js';
import type { Extracted } from './formats/extracted.js';
import { stripRunningLines } from './pdf-running-lines.js';

export async function pdfText(bytes: Uint8Array): Promise<Extracted> {
  // Loaded on first use: pdf.js is large, and most corpora hold no PDF at all.
  const { extractText, getDocumentProxy } = await import('unpdf');
  let pages: string[];
  try {
    // pdf.js takes ownership of the buffer it is given; a copy keeps the caller's bytes intact.
    const doc = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    try {
      pages = (await extractText(doc, { mergePages: false })).text;
    } finally {
      await doc.loadingTask.destroy();
    }
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'PasswordException') return { ok: false, reason: 'password-protected PDF; save an unprotected copy' };
    return { ok: false, reason: `PDF could not be read (${(e as Error).message}); it may be damaged` };
  }
  const lines = pages.map((page) =>
    normalizeLineEndings(page)
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== ''),
  );
  const empty = lines.flatMap((page, i) => (page.length === 0 ? [i + 1] : []));
  if (empty.length === lines.length) {
    const what = lines.length === 1 ? 'its one page has no text (a scanned image?)' : `none of its ${lines.length} pages has text (scanned images?)`;
    return { ok: false, reason: `PDF without a text layer: ${what}; run OCR on it first` };
  }
  const text = stripRunningLines(lines)
    .filter((page) => page.length > 0)
    .map((page) => page.join('\n'))
    .join('\n\n');
  if (empty.length === 0) return { ok: true, text, encoding: 'pdf' };
  const which = `${empty.length === 1 ? 'page' : 'pages'} ${pageRanges(empty)}`;
  return {
    ok: true,
    text,
    encoding: 'pdf',
    leftOut: `${empty.length} of ${lines.length} pages without text left out (${which}: scanned images or blank pages); run OCR on the file to use them`,
  };
}

/** 1, 3, 4, 5, 9 -> "1, 3–5, 9". */
export function pageRanges(pages: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < pages.length;) {
    let j = i;
    while (j + 1 < pages.length && pages[j + 1] === pages[j] + 1) j++;
    parts.push(j > i ? `${pages[i]}–${pages[j]}` : String(pages[i]));
    i = j + 1;
  }
  return parts.join(', ');
}
