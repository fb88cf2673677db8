/**
 * What the corpus intake reports (counts per split, lengths, duplicates, skipped files,
 * warnings), what the quick preview of a documents folder shows, and the corpus settings that
 * the wizard, the CLI and the corpus job share: how web pages are read. A saved web page in a
 * legal or math corpus is a document (its text is what the field knows); in a code corpus the
 * markup itself is the source to learn. Computed by src/main/data; shown by the Corpus step and
 * `slayer corpus`.
 */

export const HTML_READINGS = ['document', 'code'] as const;
/** "document": the page's main text, without markup, scripts or navigation; "code": the file as written. */
export type HtmlReading = (typeof HTML_READINGS)[number];

/** The reading a corpus gets unless the user chooses: source in a code corpus, documents otherwise. */
export function defaultHtmlReading(domain: string | null | undefined): HtmlReading {
  return domain === 'code' ? 'code' : 'document';
}

export const HTML_READING_LABELS: Record<HtmlReading, string> = {
  document: 'as documents (text only)',
  code: 'as source code (markup kept)',
};

/** How a corpus read its web pages: the reading used, and how many .html files there were. */
export interface HtmlSummary {
  reading: HtmlReading;
  files: number;
}

/** Words for the kinds of document a corpus holds (the keys of a preview's or report's `kinds`). */
export const KIND_LABELS: Record<string, string> = {
  text: 'Text',
  markdown: 'Markdown',
  code: 'Source code',
  jsonl: 'JSON Lines',
  pdf: 'PDF',
  html: 'Web pages',
  docx: 'Word',
  doc: 'Word 97-2003',
  odt: 'OpenDocument',
  rtf: 'RTF',
  epub: 'E-books',
};

export const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind;

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
  /** How web pages were read, and how many there were. */
  html: HtmlSummary;
  seconds: IntakeSeconds;
}

export interface PreviewDocument {
  source: string;
  /** The file's kind (as counted in `kinds`); an .html file keeps "html" whichever way it is read. */
  kind: string;
  encoding: string;
  excerpt: string;
  bytes: number;
}

export interface CorpusPreview {
  files: number;
  totalBytes: number;
  kinds: Record<string, number>;
  skipped: SkippedInput[];
  html: HtmlSummary;
  /** Up to `perKind` documents of each kind, grouped by kind in the order of `kinds` (most files first). */
  documents: PreviewDocument[];
}
