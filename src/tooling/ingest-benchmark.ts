/**
 * Throughput of the corpus pipeline, for the benchmark: a generated multi-domain corpus of a
 * chosen size, and one timed intake (read + decode + deduplicate + tokenise + write shards)
 * into a fresh cache, reported in MB/s of source bytes, with the tokenizer's share separated.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { TaskControl } from '../shared/progress.js';
import { writeFolderAtomic } from '../main/fs/atomic.js';
import type { ModelTokenizer } from '../main/model/tokenizer.js';
import { seededHash } from '../main/data/hash32.js';
import { buildCorpus } from '../main/data/intake.js';

const CODE_WORDS =
  'def return self value index result list dict for in if else while import from class lambda None True False len range append items key data node tree parse token count total error raise try except with open path name args kwargs'.split(
    ' ',
  );
const MATH_WORDS =
  'Let be a prime number such that for all there exists an integer the group is abelian and its order divides hence by the lemma we obtain theorem proof suppose contradiction therefore function continuous compact set limit converges series sum integral'.split(
    ' ',
  );
const LEGAL_WORDS =
  'the party shall hereby agree that any licensee may not without prior written consent of licensor warranty liability damages section article pursuant to this agreement termination notice jurisdiction governing law provided however that such obligations remain in force'.split(
    ' ',
  );
const DOMAINS = [
  { words: CODE_WORDS, ext: 'py', line: 10 },
  { words: MATH_WORDS, ext: 'md', line: 16 },
  { words: LEGAL_WORDS, ext: 'txt', line: 18 },
];
const FILE_BYTES = 16 * 1024;
/** One file in this many repeats an earlier one exactly, and one in as many more with a small edit. */
const DUPLICATE_EVERY = 40;

/** A seeded corpus of about `megabytes` MB in `dir`: code, math notes and legal text, with a few duplicates. */
export async function generateBenchmarkCorpus(dir: string, megabytes: number, seed = 0): Promise<{ files: number; bytes: number }> {
  return writeFolderAtomic(dir, async (tmp) => {
    let bytes = 0;
    let files = 0;
    let draw = 0;
    const next = (n: number) => Math.floor((seededHash(seed, draw++) / 2 ** 32) ** 2 * n); // Zipf-like: small indices are common
    let previous = '';
    while (bytes < megabytes * 1e6) {
      const domain = DOMAINS[files % DOMAINS.length];
      let text: string;
      if (files % DUPLICATE_EVERY === DUPLICATE_EVERY - 1 && previous) text = previous;
      else if (files % DUPLICATE_EVERY === DUPLICATE_EVERY / 2 && previous) text = previous.replace(/\b\w+\b/, 'edited');
      else {
        const lines: string[] = [];
        for (let size = 0; size < FILE_BYTES;) {
          const words = Array.from({ length: domain.line }, () => domain.words[next(domain.words.length)]);
          words.push(String(next(10000)));
          const line = words.join(' ');
          lines.push(domain.ext === 'py' ? `    ${line.replace(/ /g, '_')} = ${next(100)}` : line);
          size += line.length + 1;
        }
        text = `${lines.join('\n')}\n`;
      }
      previous = text;
      const folder = join(tmp, `part-${String(Math.floor(files / 1000)).padStart(3, '0')}`);
      if (files % 1000 === 0) await mkdir(folder, { recursive: true });
      await writeFile(join(folder, `doc-${String(files).padStart(6, '0')}.${domain.ext}`), text);
      bytes += Buffer.byteLength(text);
      files++;
    }
    return { files, bytes };
  });
}

export interface IngestThroughput {
  bytes: number;
  documents: number;
  tokens: number;
  seconds: number;
  /** Source MB (10^6 bytes) per second, the whole intake. */
  megabytesPerSecond: number;
  tokensPerSecond: number;
  /** Source MB per second without the tokenizer's time: reading, decoding, deduplication, writing. */
  ingestOnlyMegabytesPerSecond: number;
  /** Source MB per second of the tokenizer alone. */
  tokenizeMegabytesPerSecond: number;
  stageSeconds: { hash: number; read: number; dedupe: number; tokenize: number };
}

/** One full intake of `data` into a fresh, temporary cache (removed afterwards). */
export async function measureIngestThroughput(data: string, tokenizer: ModelTokenizer, control: TaskControl = {}): Promise<IngestThroughput> {
  const cacheRoot = await mkdtemp(join(tmpdir(), 'slayer-bench-cache-'));
  try {
    const report = await buildCorpus({ data, tokenizer, cacheRoot }, control);
    const { hash, read, dedupe, tokenize, total } = report.seconds;
    const bytes = report.bytesRead;
    return {
      bytes,
      documents: report.documents,
      tokens: report.tokens,
      seconds: total,
      megabytesPerSecond: bytes / 1e6 / total,
      tokensPerSecond: report.tokens / total,
      ingestOnlyMegabytesPerSecond: bytes / 1e6 / (total - tokenize),
      // Duplicates are not tokenised, so the tokenizer's rate is over the kept documents' bytes.
      tokenizeMegabytesPerSecond: report.bytes / 1e6 / tokenize,
      stageSeconds: { hash, read, dedupe, tokenize },
    };
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
}
