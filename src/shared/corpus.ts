/**
 * What the corpus intake reports (counts per split, lengths, duplicates, skipped files,
 * warnings) and what the quick preview of a documents folder shows. Computed by
 * src/main/data; shown by the Corpus step and `slayer corpus`.
 */

export type CorpusSplit = 'train' | 'validation' | 'general-train' | 'general-validation';

export interface SkippedInput {
  /** The file, or "file:line" for a single JSONL line. */
  path: string;
  reason: string;
}

export interface DuplicateRecord {
  path: string;
  /** The kept document it repeats. */
  of: string;
  kind: 'exact' | 'near';
  similarity?: number;
}

export interface LengthHistogram {
  /** Bin i counts documents with edges[i] <= length < edges[i + 1]. */
  edges: number[];
  counts: number[];
}

export interface SplitCounts {
  documents: number;
  tokens: number;
  /** Training sequences of seqLen when packed (token-id lines count their own windows). */
  sequences: number;
}

/** Seconds spent in each phase of the intake. */
export interface IntakeSeconds {
  hash: number;
  read: number;
  dedupe: number;
  tokenize: number;
  total: number;
}

export interface CorpusReport {
  domain: string | null;
  /** Kept domain documents, their characters (Unicode code points), source bytes and tokens (with BOS/EOS). */
  documents: number;
  characters: number;
  bytes: number;
  tokens: number;
  /** Source bytes of every document read, duplicates included (domain and general). */
  bytesRead: number;
  duplicatesRemoved: number;
  exactDuplicates: number;
  nearDuplicates: number;
  duplicates: DuplicateRecord[];
  skipped: SkippedInput[];
  kinds: Record<string, number>;
  encodings: Record<string, number>;
  seqLen: number;
  /** Domain document lengths in tokens. */
  histogram: LengthHistogram;
  truncatedShare: number;
  truncatedTokenShare: number;
  split: { seed: number; validationFraction: number } & Record<CorpusSplit, SplitCounts>;
  general: { documents: number; characters: number; bytes: number; tokens: number } | null;
  warnings: string[];
  corpusHash: string;
  tokenizerHash: string;
  cacheKey: string;
  cacheDir: string;
  fromCache: boolean;
  /** Documents tokenised by this call: 0 when the cache was reused. */
  tokenizedDocuments: number;
  seconds: IntakeSeconds;
}

export interface CorpusPreview {
  files: number;
  totalBytes: number;
  kinds: Record<string, number>;
  skipped: SkippedInput[];
  documents: { source: string; kind: string; encoding: string; excerpt: string; bytes: number }[];
}
