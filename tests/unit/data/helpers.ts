/** Shared fixtures for the corpus tests: a tiny model folder with a real tokenizer, and a hand-written PDF. */
import { join } from 'node:path';
import { generateTestModel } from '../../../src/main/model/generate.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';

/** A 1-layer model folder whose SentencePiece-style tokenizer adds BOS (like Llama 2). */
export async function tinyModel(dir: string, style: 'sentencepiece' | 'byte-level' = 'sentencepiece'): Promise<{ dir: string; tokenizer: ModelTokenizer }> {
  const modelDir = join(dir, `model-${style}`);
  await generateTestModel(modelDir, { layers: 1, hiddenSize: 8, intermediateSize: 16, heads: 2, vocabSize: 512, seed: 7, tokenizer: style });
  return { dir: modelDir, tokenizer: await ModelTokenizer.load(modelDir) };
}

/**
 * A minimal valid PDF 1.4 with one page that shows `lines` in Helvetica: catalog, page tree,
 * page, content stream (BT ... Tj T* ... ET) and font, with a correct cross-reference table.
 */
export function minimalPdf(lines: string[]): Uint8Array {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${escape(l)}) Tj T*`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
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
