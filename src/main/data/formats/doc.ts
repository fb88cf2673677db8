/**
 * Word 97-2003 documents (.doc) through word-extractor, which reads the compound file, the piece
 * table and the text of the body, footnotes and endnotes (and drops field codes, deleted
 * revisions and the header/footer stories). The old binary format gives it paragraphs and table
 * cells but no styles, so headings and list items come out as ordinary paragraphs and footnote
 * references are not marked in the text; the footnotes still go to the end.
 */
import WordExtractor from 'word-extractor';
import type { Extracted } from './extracted.js';
import { PlainTextWriter } from './plain-text.js';

export async function docText(bytes: Uint8Array): Promise<Extracted> {
  let body: string;
  let notes: string[];
  try {
    const doc = await new WordExtractor().extract(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const raw = { filterUnicode: false };
    body = doc.getBody(raw);
    notes = [doc.getFootnotes(raw), doc.getEndnotes(raw)];
  } catch (e) {
    const message = (e as Error).message;
    if (/encrypt/i.test(message)) return { ok: false, reason: 'password-protected Word document; save an unprotected copy' };
    return { ok: false, reason: `Word 97-2003 document could not be read (${message}); open it in Word and save it as .docx` };
  }
  const w = new PlainTextWriter();
  for (const paragraph of body.split('\n')) {
    // Table rows arrive as tab-separated cells with a tab after the last one.
    const row = paragraph.replace(/\t+$/, '');
    if (row.includes('\t')) {
      w.startRow();
      row.split('\t').forEach((cell, i) => {
        if (i > 0) w.endCell();
        w.text(cell);
      });
      w.endRow();
    } else {
      w.block();
      w.text(row);
      w.block();
    }
  }
  for (const part of notes) for (const note of part.split('\n')) w.footnote(null, note);
  const text = w.toString();
  if (text === '') return { ok: false, reason: 'Word 97-2003 document without text' };
  return { ok: true, text, encoding: 'doc' };
}
