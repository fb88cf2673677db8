/**
 * The DATA reader of `slayer score / eval / train`: a file or folder of raw documents, or a
 * corpus built by `slayer corpus`, -> token sequences of a fixed length, optionally a seeded
 * sample of them, and a data hash that callers record so results can be reproduced.
 *
 * Sampling keeps the `samples` sequences with the smallest seeded hash of their index
 * (bottom-k sampling): a uniform sample without replacement, computed in one pass while holding
 * about 2·samples sequences, and the same for the same data, settings and seed.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { ModelTokenizer } from '../model/tokenizer.js';
import { openBuiltCorpus } from './built-corpus.js';
import { readDocuments } from './documents.js';
import { createYielder, throttledProgress } from './pacing.js';
import { seededHash } from './hash32.js';
import type { BadLinePolicy, SkippedInput } from './jsonl.js';
import { listCorpusFiles } from './list-files.js';
import { SequencePacker, type Packing, type TokenDocument } from './packing.js';
import { assignSplits, type CorpusSplit } from './splits.js';
import { littleEndianBytes } from './token-bytes.js';
import { EXACT_IDS } from './token-cache.js';
import { textDocumentTokens } from './tokenize.js';

export interface SequenceOptions {
  seqLen: number;
  /** Keep a seeded uniform sample of this many sequences (all when absent). */
  samples?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
  /** "pack" (default) or "per-document"; see packing.ts. */
  packing?: Packing;
  /** JSONL field with the text (default "text"). */
  textField?: string;
  /** A JSONL line that cannot be used: stop (default) or skip it. */
  badLines?: BadLinePolicy;
  /** Token ids must be below this: the model's vocabulary size (default: the tokenizer's). */
  vocabSize?: number;
  /** Which part of a built corpus to read (default "train"). */
  split?: CorpusSplit;
}

export interface LoadedSequences {
  /** seqLen tokens each, except the last window of a document in "per-document" mode or of an input_ids line. */
  sequences: Int32Array[];
  /** "sha256:<hex>" over the settings and the returned tokens. */
  dataHash: string;
  /** Tokens in the returned sequences. */
  tokens: number;
  /** Sequences before sampling. */
  totalSequences: number;
  documents: number;
  /** Tokens of the incomplete last window in "pack" mode (not returned). */
  droppedTokens: number;
  skipped: SkippedInput[];
}

export async function loadSequences(
  dataPath: string,
  tokenizer: ModelTokenizer | null,
  options: SequenceOptions,
  control: TaskControl = {},
): Promise<LoadedSequences> {
  const { seqLen } = options;
  if (!Number.isInteger(seqLen) || seqLen < 1) throw new UserError(`The sequence length must be a whole number from 1, got ${seqLen}.`);
  if (options.samples !== undefined && (!Number.isInteger(options.samples) || options.samples < 1)) {
    throw new UserError(`The number of samples must be a whole number from 1, got ${options.samples}.`);
  }
  const packing = options.packing ?? 'pack';
  const seed = options.seed ?? 0;
  const skipped: SkippedInput[] = [];
  const packer = new SequencePacker(seqLen, packing);
  const sample = new SeededSample(options.samples ?? null, seed);
  const yieldNow = createYielder();
  let documents = 0;
  for await (const doc of tokenDocuments(dataPath, tokenizer, options, skipped, control)) {
    documents++;
    for (const sequence of packer.push(doc)) sample.offer(sequence);
    await yieldNow();
    throwIfCancelled(control.signal);
  }
  for (const s of skipped) control.onLog?.(`Skipped ${s.path}: ${s.reason}`);
  const sequences = sample.result();
  if (sequences.length === 0) {
    const tokens = packer.pendingTokens;
    throw new UserError(
      documents === 0
        ? `No usable documents in ${dataPath}${skipped.length ? ` (${skipped.length} skipped, e.g. ${skipped[0].path}: ${skipped[0].reason})` : ''}. Use text, Markdown, source code, JSONL or PDF files.`
        : `${dataPath} holds ${tokens} tokens, less than one sequence of ${seqLen}. Add more text or choose a shorter sequence length (--seq-len).`,
    );
  }
  const settings = { seqLen, packing, samples: options.samples ?? null, seed, split: options.split ?? null };
  return {
    sequences,
    dataHash: dataHash(settings, sequences),
    tokens: sequences.reduce((n, s) => n + s.length, 0),
    totalSequences: sample.offered,
    documents,
    droppedTokens: packer.pendingTokens,
    skipped,
  };
}

/** SHA-256 over the settings (canonical JSON) and each sequence as uint32 length + uint32 LE ids. */
export function dataHash(settings: Record<string, unknown>, sequences: readonly Int32Array[]): string {
  const h = createHash('sha256').update(JSON.stringify(settings));
  const length = new Int32Array(1);
  for (const s of sequences) {
    length[0] = s.length;
    h.update(littleEndianBytes(length)).update(littleEndianBytes(s));
  }
  return `sha256:${h.digest('hex')}`;
}

async function* tokenDocuments(
  dataPath: string,
  tokenizer: ModelTokenizer | null,
  options: SequenceOptions,
  skipped: SkippedInput[],
  control: TaskControl,
): AsyncGenerator<TokenDocument> {
  const built = await openBuiltCorpus(dataPath);
  if (built) {
    const { cache, report } = built;
    if (tokenizer && tokenizer.hash !== cache.manifest.tokenizer.hash) {
      throw new UserError(`${dataPath} was tokenised with a different tokenizer than this model's. Run "slayer corpus" again with this model.`);
    }
    const split = options.split ?? 'train';
    const splitOf = assignSplits(cache.flags, report.split.validationFraction, report.split.seed);
    const total = cache.lengths.length;
    const progress = throttledProgress(control);
    for await (const { index, ids } of cache.read((i) => splitOf[i] === split)) {
      progress({ fraction: index / total, message: `Reading ${split} tokens` });
      yield { ids, exact: (cache.flags[index] & EXACT_IDS) !== 0 };
    }
    return;
  }
  const listing = await listCorpusFiles(dataPath, control);
  skipped.push(...listing.skipped);
  let bytesDone = 0;
  const progress = throttledProgress(control);
  const docs = readDocuments(
    listing.files,
    {
      textField: options.textField,
      badLines: options.badLines,
      vocabSize: options.vocabSize ?? tokenizer?.vocabSize ?? null,
      onFile: (file) => {
        progress({ fraction: listing.totalBytes ? bytesDone / listing.totalBytes : null, message: `Reading ${file.name}` });
        bytesDone += file.bytes;
      },
    },
    skipped,
  );
  for await (const doc of docs) {
    if ('ids' in doc) yield { ids: doc.ids, exact: true };
    else if (tokenizer) yield { ids: textDocumentTokens(tokenizer, doc.text), exact: false };
    else
      throw new UserError(
        `${doc.source} is text, but there is no tokenizer to turn it into tokens. Add the model's tokenizer.json, or give token ids as JSONL "input_ids" lines.`,
      );
  }
}

/** Bottom-k sampling by seeded hash of the sequence index (see the module comment). */
class SeededSample {
  private kept: { key: number; index: number; sequence: Int32Array }[] = [];
  offered = 0;

  constructor(
    private readonly size: number | null,
    private readonly seed: number,
  ) {}

  offer(sequence: Int32Array): void {
    const index = this.offered++;
    this.kept.push({ key: seededHash(this.seed, index), index, sequence });
    if (this.size !== null && this.kept.length >= 2 * this.size) this.trim();
  }

  /** The sample in data order (all sequences when no size was asked for). */
  result(): Int32Array[] {
    if (this.size !== null) this.trim();
    return this.kept.sort((a, b) => a.index - b.index).map((k) => k.sequence);
  }

  private trim(): void {
    this.kept.sort((a, b) => a.key - b.key || a.index - b.index);
    this.kept.length = Math.min(this.kept.length, this.size as number);
  }
}
