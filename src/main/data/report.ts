/**
 * The corpus statistics people see: counts per split, the token-length histogram and the share
 * cut at the chosen sequence length, duplicates, skipped files with reasons, and warnings.
 * Computed from a cache entry plus the view settings (split seed and share, sequence length),
 * so a cache hit shows exactly what the build showed.
 */
import type { IntakeSummary } from './intake.js';

import { lengthStats } from './histogram.js';
import { assignSplits, CORPUS_SPLITS, type CorpusSplit } from './splits.js';
import { EXACT_IDS, GENERAL_TEXT, type TokenCache } from './token-cache.js';
import { corpusWarnings } from './warnings.js';
import type { CorpusReport, SplitCounts } from '../../shared/corpus.js';

export type { CorpusReport, SplitCounts } from '../../shared/corpus.js';

export interface ReportView {
  domain: string | null;
  seqLen: number;
  seed: number;
  validationFraction: number;
  fromCache: boolean;
  tokenizedDocuments: number;
}

export function corpusReport(cache: TokenCache<IntakeSummary>, view: ReportView): CorpusReport {
  const s = cache.manifest.summary;
  const splitOf = assignSplits(cache.flags, view.validationFraction, view.seed);
  const counts = Object.fromEntries(CORPUS_SPLITS.map((k) => [k, { documents: 0, tokens: 0, sequences: 0 }])) as Record<CorpusSplit, SplitCounts>;
  const packedTokens = Object.fromEntries(CORPUS_SPLITS.map((k) => [k, 0])) as Record<CorpusSplit, number>;
  const domainLengths: number[] = [];
  for (let i = 0; i < cache.lengths.length; i++) {
    const n = cache.lengths[i];
    const c = counts[splitOf[i]];
    c.documents++;
    c.tokens += n;
    if (cache.flags[i] & EXACT_IDS) c.sequences += Math.ceil(n / view.seqLen);
    else packedTokens[splitOf[i]] += n;
    if (!(cache.flags[i] & GENERAL_TEXT)) domainLengths.push(n);
  }
  for (const k of CORPUS_SPLITS) counts[k].sequences += Math.floor(packedTokens[k] / view.seqLen);
  const lengths = lengthStats(domainLengths, view.seqLen);
  const exactDuplicates = s.duplicates.filter((d) => d.kind === 'exact').length;
  const warnings = corpusWarnings({
    domain: view.domain,
    seqLen: view.seqLen,
    documents: s.domain.documents,
    trainTokens: counts.train.tokens,
    trainSequences: counts.train.sequences,
    validationDocuments: counts.validation.documents,
    duplicatesRemoved: s.duplicates.length,
    unreadable: s.skipped.slice(0, s.unreadable),
    codeDocuments: s.domain.kinds.code ?? 0,
    general: s.general ? { documents: s.general.documents, validationDocuments: counts['general-validation'].documents } : null,
  });
  return {
    domain: view.domain,
    documents: s.domain.documents,
    characters: s.domain.characters,
    bytes: s.domain.bytes,
    tokens: s.domain.tokens,
    bytesRead: s.bytesRead,
    duplicatesRemoved: s.duplicates.length,
    exactDuplicates,
    nearDuplicates: s.duplicates.length - exactDuplicates,
    duplicates: s.duplicates,
    skipped: s.skipped,
    kinds: s.domain.kinds,
    encodings: s.domain.encodings,
    html: s.html,
    seqLen: view.seqLen,
    histogram: lengths.histogram,
    truncatedShare: lengths.truncatedShare,
    truncatedTokenShare: lengths.truncatedTokenShare,
    split: { seed: view.seed, validationFraction: view.validationFraction, ...counts },
    general: s.general ? { documents: s.general.documents, characters: s.general.characters, bytes: s.general.bytes, tokens: s.general.tokens } : null,
    warnings,
    corpusHash: s.corpusHash,
    tokenizerHash: cache.manifest.tokenizer.hash,
    cacheKey: cache.manifest.key,
    cacheDir: cache.dir,
    fromCache: view.fromCache,
    tokenizedDocuments: view.tokenizedDocuments,
    seconds: s.seconds,
  };
}
