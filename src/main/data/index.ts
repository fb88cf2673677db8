/** The corpus pipeline's public API: intake + token cache, the DATA sequence reader, the QA reader. */
export { buildCorpus, DOMAINS } from './intake.js';
export type { CorpusOptions, Domain, DuplicateRecord, IntakeSummary } from './intake.js';
export type { CorpusReport, SplitCounts } from './report.js';
export { loadSequences, dataHash } from './sequences.js';
export type { LoadedSequences, SequenceOptions } from './sequences.js';
export { readQa } from './qa.js';
export type { QaItem, QaSet } from './qa.js';
export { openBuiltCorpus, saveCorpusReport, CORPUS_FILE } from './built-corpus.js';
export { CORPUS_SPLITS } from './splits.js';
export type { CorpusSplit } from './splits.js';
export { PACKINGS } from './packing.js';
export type { Packing } from './packing.js';
export { BAD_LINE_POLICIES } from './jsonl.js';
export type { BadLinePolicy, SkippedInput } from './jsonl.js';
export { NEAR_DUPLICATE_JACCARD } from './near-duplicates.js';
export { buildMixedCorpus, clearMixture, readMixtureFile, MIXTURE_FILE } from './mixed-corpus.js';
export type { CorpusSourceSpec, MixtureFile } from './mixed-corpus.js';
export { parseSourceSpec, resolveSources, checkReplayShare } from './mixture.js';
