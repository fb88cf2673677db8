/**
 * Text of a PDF through unpdf (a packaged, offline build of Mozilla's pdf.js). Legal material
 * mostly arrives as PDF. Pages are joined with a blank line; a PDF without a text layer (a scan)
 * is reported, not silently turned into an empty document.
 */
import { normalizeLineEndings, type Decoded } from './decode.js';

export async function pdfText(bytes: Uint8Array): Promise<Decoded> {
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
  const text = normalizeLineEndings(pages.map((p) => p.trim()).join('\n\n')).trim();
  if (text === '') return { ok: false, reason: 'PDF without a text layer (a scanned image?); run OCR on it first' };
  return { ok: true, text, encoding: 'pdf' };
}
