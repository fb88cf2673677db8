/**
 * Corpus intake: a folder of raw documents (and optionally general text for the forgetting
 * check) -> deduplicated, tokenised, cached token shards, plus the statistics and warnings the
 * data preview shows.
 *
 * One streaming pass: documents are read one at a time, checked for duplicates, tokenised and
 * appended to the shards, so memory holds one document plus per-document bookkeeping
 * (lengths, duplicate signatures), whatever the corpus size. The split and the sequence
 * length are applied when reading (report.ts, sequences.ts), so changing them reuses the cache.
 */
import { join } from 'node:path';
import { defaultHtmlReading, type HtmlReading, type HtmlSummary } from '../../shared/corpus.js';
import { UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { ModelTokenizer } from '../model/tokenizer.js';
import { hashCorpusFiles } from './corpus-hash.js';
import { Deduplicator } from './dedupe.js';
import { readDocuments } from './documents.js';
import type { ReadSettings } from './extract.js';
import { createYielder, throttledProgress } from './pacing.js';
import type { BadLinePolicy, SkippedInput } from './jsonl.js';
import { SUPPORTED_TYPES_HINT } from './file-types.js';
import { listCorpusFiles, type CorpusFile } from './list-files.js';
import { NEAR_DUPLICATE_JACCARD, PERMUTATIONS, SHINGLE_WORDS } from './near-duplicates.js';
import { corpusReport, type CorpusReport } from './report.js';
import { buildCacheEntry, cacheKey, EXACT_IDS, GENERAL_TEXT, TokenCache, type CacheBuilder } from './token-cache.js';
import { requireSeparator, textDocumentTokens } from './tokenize.js';
import type { DuplicateRecord, IntakeSeconds } from '../../shared/corpus.js';

export type Domain = 'code' | 'math' | 'legal';
export const DOMAINS: readonly Domain[] = ['code', 'math', 'legal'];
/** Bumped when a reader's output changes, so that tokens cached from the old text are not reused. */
const READERS_VERSION = 2;

export interface CorpusOptions {
  /** The domain documents: a file or a folder, read recursively. */
  data: string;
  /** General text for the forgetting check, split the same way. */
  general?: string | null;
  tokenizer: ModelTokenizer;
  /** Folder that holds token cache entries (one sub-folder per key). */
  cacheRoot: string;
  domain?: Domain | null;
  /** How .html files are read; null or absent: as the domain suggests (source in a code corpus, documents otherwise). */
  html?: HtmlReading | null;
  /** Sequence length for the histogram, truncation share and sequence counts (default 512). */
  seqLen?: number;
  /** Seed of the train/validation split (default 0). */
  seed?: number;
  /** Share of documents held out for validation (default 0.1). */
  validationFraction?: number;
  /** JSONL field with the text (default "text"). */
  textField?: string;
  /** A JSONL line that cannot be used: stop (default) or skip it. */
  badLines?: BadLinePolicy;
  /** Token ids in "input_ids" lines must be below this (default: the tokenizer's vocabulary size). */
  vocabSize?: number;
  /** Jaccard similarity from which documents count as near duplicates (default 0.8); null: exact duplicates only. */
  nearDuplicateThreshold?: number | null;
  shardTokens?: number;
}

export type { DuplicateRecord } from '../../shared/corpus.js';

export interface SourceSummary {
  /** Documents kept (after duplicate removal). */
  documents: number;
  characters: number;
  bytes: number;
  tokens: number;
  /** Kept documents by kind (text, markdown, code, jsonl, pdf, html, docx, doc, odt, rtf, epub). */
  kinds: Record<string, number>;
  /** Kept text documents by the encoding they were decoded from. */
  encodings: Record<string, number>;
}

/** What the intake learned, stored with the cached tokens so a cache hit can show it again. */
export interface IntakeSummary {
  corpusHash: string;
  domain: SourceSummary;
  general: SourceSummary | null;
  duplicates: DuplicateRecord[];
  skipped: SkippedInput[];
  /** How many entries of `skipped` are read problems (the rest were excluded by rule). */
  unreadable: number;
  /** How web pages were read, and how many there were (domain and general text). */
  html: HtmlSummary;
  /** Source bytes of every document read, duplicates included. */
  bytesRead: number;
  seconds: IntakeSeconds;
}

const emptySummary = (): SourceSummary => ({ documents: 0, characters: 0, bytes: 0, tokens: 0, kinds: {}, encodings: {} });

export async function buildCorpus(options: CorpusOptions, control: TaskControl = {}): Promise<CorpusReport> {
  const started = performance.now();
  const { tokenizer } = options;
  requireSeparator(tokenizer);
  const nearThreshold = options.nearDuplicateThreshold === undefined ? NEAR_DUPLICATE_JACCARD : options.nearDuplicateThreshold;
  const textField = options.textField ?? 'text';
  const badLines = options.badLines ?? 'stop';
  const vocabSize = options.vocabSize ?? tokenizer.vocabSize;
  const read: ReadSettings = { html: options.html ?? defaultHtmlReading(options.domain) };

  const domainListing = await listCorpusFiles(options.data, control);
  const generalListing = options.general ? await listCorpusFiles(options.general, control) : null;
  const asGeneral = (name: string) => `general: ${name}`;
  const excluded: SkippedInput[] = [...domainListing.skipped, ...(generalListing?.skipped ?? []).map((s) => ({ ...s, path: asGeneral(s.path) }))];
  const problems: SkippedInput[] = [];
  const domainFiles = await hashCorpusFiles(domainListing.files, problems, control);
  const generalFiles = generalListing
    ? await hashCorpusFiles(
        generalListing.files.map((f) => ({ ...f, name: asGeneral(f.name) })),
        problems,
        control,
      )
    : null;
  const hashSeconds = (performance.now() - started) / 1000;
  const corpusHash = `${domainFiles.hash}${generalFiles ? `+${generalFiles.hash}` : ''}`;

  const key = cacheKey({
    corpus: corpusHash,
    tokenizer: tokenizer.hash,
    settings: { textField, badLines, vocabSize, nearThreshold, shingleWords: SHINGLE_WORDS, permutations: PERMUTATIONS, read, readers: READERS_VERSION },
  });
  const entry = join(options.cacheRoot, key);
  let cache = await TokenCache.open<IntakeSummary>(entry);
  const fromCache = cache !== null;
  if (!cache) {
    const sources: Source[] = [{ files: domainFiles.files, flags: 0 }];
    if (generalFiles) sources.push({ files: generalFiles.files, flags: GENERAL_TEXT });
    await buildCacheEntry<IntakeSummary>(
      options.cacheRoot,
      key,
      { hash: tokenizer.hash, bosId: tokenizer.bosId, eosId: tokenizer.eosId, addBos: tokenizer.addBos, vocabSize },
      async (builder) => {
        const summary = await ingest(builder, sources, { tokenizer, textField, badLines, vocabSize, nearThreshold, read }, problems, control);
        if (summary.domain.documents === 0) throw new UserError(noDocumentsMessage(options.data, [...excluded, ...problems]));
        summary.corpusHash = corpusHash;
        summary.skipped = [...problems, ...excluded];
        summary.unreadable = problems.length;
        summary.html = { reading: read.html, files: sources.reduce((n, s) => n + s.files.filter((f) => f.kind === 'html').length, 0) };
        summary.seconds.hash = hashSeconds;
        summary.seconds.total = (performance.now() - started) / 1000;
        return summary;
      },
      options.shardTokens,
    );
    cache = await TokenCache.open<IntakeSummary>(entry);
    if (!cache) throw new Error(`The token cache just written to ${entry} cannot be read back.`);
  }
  return corpusReport(cache, {
    domain: options.domain ?? null,
    seqLen: options.seqLen ?? 512,
    seed: options.seed ?? 0,
    validationFraction: options.validationFraction ?? 0.1,
    fromCache,
    tokenizedDocuments: fromCache ? 0 : cache.manifest.documents,
  });
}

interface Source {
  files: CorpusFile[];
  /** GENERAL_TEXT for the general holdout. */
  flags: number;
}

interface IngestSettings {
  tokenizer: ModelTokenizer;
  textField: string;
  badLines: BadLinePolicy;
  vocabSize: number;
  nearThreshold: number | null;
  read: ReadSettings;
}

/**
 * The streaming pass: each document is read, checked against the kept ones, tokenised and
 * appended to the cache, in corpus order (domain files, then general files).
 */
async function ingest(
  builder: CacheBuilder,
  sources: Source[],
  settings: IngestSettings,
  problems: SkippedInput[],
  control: TaskControl,
): Promise<IntakeSummary> {
  const seconds = { hash: 0, read: 0, dedupe: 0, tokenize: 0, total: 0 };
  const general = sources.some((s) => s.flags & GENERAL_TEXT);
  const summary: IntakeSummary = {
    corpusHash: '',
    domain: emptySummary(),
    general: general ? emptySummary() : null,
    duplicates: [],
    skipped: [],
    unreadable: 0,
    html: { reading: settings.read.html, files: 0 },
    bytesRead: 0,
    seconds,
  };
  const dedupe = new Deduplicator(settings.nearThreshold);
  /** Names of the kept documents; a document's index here is its id in the deduplicator. */
  const names: string[] = [];
  const yieldNow = createYielder();
  const progress = throttledProgress(control);
  const totalBytes = sources.reduce((n, s) => n + s.files.reduce((m, f) => m + f.bytes, 0), 0);
  let bytesDone = 0;
  const onFile = (file: CorpusFile) => {
    throwIfCancelled(control.signal);
    progress({ fraction: totalBytes ? bytesDone / totalBytes : null, message: `Reading and tokenising ${file.name}` });
    bytesDone += file.bytes;
  };
  const { tokenizer, textField, badLines, vocabSize, read } = settings;
  for (const { files, flags } of sources) {
    const counts = flags & GENERAL_TEXT ? (summary.general as SourceSummary) : summary.domain;
    let readFrom = performance.now();
    for await (const doc of readDocuments(files, { textField, badLines, vocabSize, read, onFile }, problems)) {
      const t0 = performance.now();
      seconds.read += (t0 - readFrom) / 1000;
      summary.bytesRead += doc.bytes;
      const duplicate = dedupe.check(doc, names.length);
      const t1 = performance.now();
      seconds.dedupe += (t1 - t0) / 1000;
      if (duplicate) {
        summary.duplicates.push({
          path: doc.source,
          of: names[duplicate.of],
          kind: duplicate.kind,
          ...(duplicate.kind === 'near' ? { similarity: duplicate.similarity } : {}),
        });
      } else {
        const ids = 'text' in doc ? textDocumentTokens(tokenizer, doc.text) : doc.ids;
        seconds.tokenize += (performance.now() - t1) / 1000;
        await builder.append(ids, 'text' in doc ? flags : flags | EXACT_IDS);
        names.push(doc.source);
        counts.documents++;
        counts.bytes += doc.bytes;
        counts.tokens += ids.length;
        counts.kinds[doc.kind] = (counts.kinds[doc.kind] ?? 0) + 1;
        if ('text' in doc) {
          counts.characters += codePoints(doc.text);
          counts.encodings[doc.encoding] = (counts.encodings[doc.encoding] ?? 0) + 1;
        }
      }
      await yieldNow();
      throwIfCancelled(control.signal);
      readFrom = performance.now();
    }
  }
  return summary;
}

/** Unicode code points: what a person calls characters (String.length counts UTF-16 units). */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function noDocumentsMessage(data: string, skipped: SkippedInput[]): string {
  if (skipped.length === 0) return `No documents found in ${data}. Choose a folder with ${SUPPORTED_TYPES_HINT} files.`;
  const reasons = new Map<string, number>();
  for (const s of skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  const top = [...reasons]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([r, n]) => `${n} ${r}`)
    .join('; ');
  return `No usable documents in ${data}: all ${skipped.length} files were skipped (${top}). Choose a folder with ${SUPPORTED_TYPES_HINT} files.`;
}
