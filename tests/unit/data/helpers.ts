/** Shared fixtures for the corpus tests: a tiny model folder with a real tokenizer, and hand-written PDFs (several pages, scanned pages, encryption). */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';

/** A 1-layer model folder whose SentencePiece-style tokenizer adds BOS (like Llama 2). */
export async function tinyModel(dir: string, style: 'sentencepiece' | 'byte-level' = 'sentencepiece'): Promise<{ dir: string; tokenizer: ModelTokenizer }> {
  const modelDir = join(dir, `model-${style}`);
  await generateTestModel(modelDir, { layers: 1, hiddenSize: 8, intermediateSize: 16, heads: 2, vocabSize: 512, seed: 7, tokenizer: style });
  return { dir: modelDir, tokenizer: await ModelTokenizer.load(modelDir) };
}

/** A page of a hand-written PDF: lines of text (Helvetica, ASCII), or only an image (a "scanned" page). */
export type PdfPage = string[] | { image: true };

/**
 * A minimal valid PDF 1.4: catalog, page tree, one page object and content stream per page
 * (BT ... Tj T* ... ET for text, an 8-bit grey image XObject drawn with Do for a scanned page),
 * a font, and a correct cross-reference table. With `encrypt`, the PDF is encrypted with the
 * standard security handler, revision 2 (RC4, 40-bit key), exactly as the PDF specification's
 * algorithms 1-4 describe: opening it needs the user password.
 */
export function makePdf(pages: PdfPage[], encrypt?: { user: string; owner: string }): Uint8Array {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add('PAGES');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  add('<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\nA\nendstream');
  const streams: { object: number; content: string }[] = [];
  const kids: number[] = [];
  for (const page of pages) {
    const content =
      'image' in page ? 'q 400 0 0 600 100 100 cm /Im1 Do Q' : `BT /F1 12 Tf 72 720 Td 14 TL ${page.map((l) => `(${escape(l)}) Tj T*`).join(' ')} ET`;
    const contentObject = objects.length + 1;
    add('STREAM');
    streams.push({ object: contentObject, content });
    kids.push(objects.length + 1);
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contentObject} 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> >>`,
    );
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;

  const id = '0123456789abcdef0123456789abcdef';
  let key: Buffer | null = null;
  let trailerExtra = '';
  if (encrypt) {
    const permissions = -44;
    const o = rc4(md5(pad(encrypt.owner)).subarray(0, 5), pad(encrypt.user));
    const p = Buffer.alloc(4);
    p.writeInt32LE(permissions);
    key = md5(Buffer.concat([pad(encrypt.user), o, p, Buffer.from(id, 'hex')])).subarray(0, 5);
    const u = rc4(key, PASSWORD_PADDING);
    add(`<< /Filter /Standard /V 1 /R 2 /O <${o.toString('hex')}> /U <${u.toString('hex')}> /P ${permissions} >>`);
    trailerExtra = ` /Encrypt ${objects.length} 0 R`;
  }
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let length = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    let chunk: Buffer;
    const stream = streams.find((s) => s.object === i + 1);
    if (stream) {
      let data: Buffer = Buffer.from(stream.content, 'latin1');
      if (key) data = rc4(md5(Buffer.concat([key, Buffer.from([i + 1, 0, 0, 0, 0])])).subarray(0, 10), data);
      chunk = Buffer.concat([
        Buffer.from(`${i + 1} 0 obj\n<< /Length ${data.length} >>\nstream\n`, 'latin1'),
        data,
        Buffer.from('\nendstream\nendobj\n', 'latin1'),
      ]);
    } else {
      let text = body;
      // The one stream outside the page contents (the image) is encrypted too: its single byte.
      if (key && body.includes('stream\nA\n'))
        text = body.replace(
          'stream\nA\n',
          `stream\n${rc4(md5(Buffer.concat([key, Buffer.from([i + 1, 0, 0, 0, 0])])).subarray(0, 10), Buffer.from('A')).toString('latin1')}\n`,
        );
      chunk = Buffer.from(`${i + 1} 0 obj\n${text}\nendobj\n`, 'latin1');
    }
    parts.push(chunk);
    length += chunk.length;
  });
  const xref = length;
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  tail += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /ID [<${id}> <${id}>]${trailerExtra} >>\nstartxref\n${xref}\n%%EOF\n`;
  parts.push(Buffer.from(tail, 'latin1'));
  return new Uint8Array(Buffer.concat(parts));
}

/** A one-page PDF showing `lines`. */
export function minimalPdf(lines: string[]): Uint8Array {
  return makePdf([lines]);
}

const PASSWORD_PADDING = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');
const pad = (password: string) => Buffer.concat([Buffer.from(password, 'latin1'), PASSWORD_PADDING]).subarray(0, 32);
const md5 = (data: Buffer) => createHash('md5').update(data).digest();

/** RC4, written out: OpenSSL 3 no longer offers it by default, and the PDF revision-2 handler needs it. */
function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 255;
    j = (j + s[i]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
    out[n] = data[n] ^ s[(s[i] + s[j]) & 255];
  }
  return out;
}

/** Deterministic prose of `words` words drawn from a small vocabulary (a different text per seed). */
export function prose(words: number, seed: number): string {
  const vocabulary =
    'the a court held that contract clause party shall notice term breach damages agreement law section provided any written consent may not assign rights obligations under this licence grant user software copy modify merge publish distribute'.split(
      ' ',
    );
  let state = seed * 2654435761 + 1;
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(vocabulary[(state >>> 8) % vocabulary.length]);
  }
  return out.join(' ');
}
