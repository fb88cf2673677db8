/**
 * The sequences a run trains on, read before any weight loads: every domain source (a file,
 * folder or built corpus; plain text, or instruction data rendered with the model's chat
 * template), the general text replayed beside them, each source's share of the tokens, and
 * one hash over all of it that a resumed run must match.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { InstructPreview } from '../../shared/instruct.js';
import type { TaskControl } from '../../shared/progress.js';
import type { MixtureRecord, MixtureSourceRecord } from '../../shared/training.js';
import { loadSequences, openBuiltCorpus, type CorpusSplit } from '../data/index.js';
import { loadChatTemplate } from '../data/chat-template.js';
import { loadInstructionSequences } from '../data/instruction-sequences.js';
import { checkReplayShare, mixtureShares, resolveSources, type DataSource } from '../data/mixture.js';
import { readMixtureFile } from '../data/mixed-corpus.js';
import type { SequenceLayout } from '../engine/training-engine.js';
import type { ModelTokenizer } from '../model/tokenizer.js';
import type { TrainOptions } from './options.js';

export interface LoadedSource {
  record: MixtureSourceRecord;
  sequences: Int32Array[];
  /** Loss masks and segments of instruction sequences; null for plain text. */
  layouts: SequenceLayout[] | null;
}

export interface TrainingData {
  /** Domain sources, then the replay when there is one. */
  sources: LoadedSource[];
  /** The mixture as recorded (tokensRead filled in by the trainer). */
  mixture: Omit<MixtureRecord, 'tokensRead'>;
  dataHash: string;
  /** Instruction data: the template and what the first example looks like. */
  instruct: InstructPreview | null;
  sequences: number;
}

export async function loadTrainingData(
  modelDir: string,
  options: TrainOptions,
  tokenizer: ModelTokenizer | null,
  shape: { seqLen: number; vocabSize: number },
  control: TaskControl,
): Promise<TrainingData> {
  const specs = typeof options.data === 'string' ? [{ data: options.data }] : options.data;
  // A corpus of several sources (OUT/mixture.json) brings its sources, weights and replay share.
  const mixtureFile = specs.length === 1 ? await readMixtureFile(specs[0].data) : null;
  const sources = resolveSources(mixtureFile ? mixtureFile.sources.map((s) => ({ name: s.name, data: s.path, weight: s.weight })) : specs);
  const replay = checkReplayShare(options.replay ?? mixtureFile?.replay ?? 0);
  const shares = mixtureShares(
    sources.map((s) => s.weight),
    replay,
  );
  const instruct = options.format === 'instruct';
  if (instruct && !tokenizer)
    throw new UserError(`${modelDir} has no tokenizer.json, which instruction data needs to be rendered and tokenised. Add the model's tokenizer.`);
  const template = instruct ? await loadChatTemplate(modelDir, options.template) : null;

  const loaded: LoadedSource[] = [];
  let preview: InstructPreview | null = null;
  for (const [k, source] of sources.entries()) {
    if (template) {
      const read = await loadInstructionSequences(
        source.data,
        tokenizer!,
        template,
        { seqLen: shape.seqLen, packing: options.packing ?? 'pack', vocabSize: shape.vocabSize, badLines: options.badLines },
        control,
      );
      for (const s of read.skipped) control.onLog?.(`Skipped ${s.path}: ${s.reason}`);
      preview ??= read.preview;
      loaded.push(sourceOf(source, null, shares[k], read.sequences, read.layouts, read.dataHash));
    } else {
      loaded.push(await textSource(source, options.split, shares[k], tokenizer, shape, control));
    }
  }
  if (replay > 0) {
    const general = await replaySource(options.replayData ?? null, sources);
    loaded.push(await textSource({ name: 'general', data: general.path, weight: 0 }, general.split, replay, tokenizer, shape, control));
  }

  if (template?.info.fallback) control.onLog?.('The model has no chat template: the examples use the plain Alpaca-style template shown with the result.');
  const plain = loaded.length === 1 && !template;
  return {
    sources: loaded,
    mixture: { sources: loaded.slice(0, sources.length).map((s) => s.record), replay: replay > 0 ? loaded.at(-1)!.record : null },
    // One plain source keeps its own hash, so runs and checkpoints from before mixtures still match.
    dataHash: plain ? loaded[0].record.dataHash : mixtureHash(loaded),
    instruct: preview,
    sequences: loaded.reduce((n, s) => n + s.sequences.length, 0),
  };
}

async function textSource(
  source: DataSource,
  split: CorpusSplit | undefined,
  share: number,
  tokenizer: ModelTokenizer | null,
  shape: { seqLen: number; vocabSize: number },
  control: TaskControl,
): Promise<LoadedSource> {
  const data = await loadSequences(source.data, tokenizer, { seqLen: shape.seqLen, vocabSize: shape.vocabSize, split }, control);
  // A sequence of one token has nothing to predict.
  const sequences = data.sequences.filter((s) => s.length >= 2);
  if (sequences.length === 0) throw new UserError(`${source.data} has no sequence of two or more tokens to learn from. Add more text.`);
  const built = await openBuiltCorpus(source.data);
  return sourceOf(source, built ? (split ?? 'train') : null, share, sequences, null, data.dataHash);
}

function sourceOf(
  source: DataSource,
  split: CorpusSplit | null,
  share: number,
  sequences: Int32Array[],
  layouts: SequenceLayout[] | null,
  dataHash: string,
): LoadedSource {
  return {
    record: {
      name: source.name,
      data: resolve(source.data),
      split,
      weight: source.weight,
      share,
      sequences: sequences.length,
      tokens: sequences.reduce((n, s) => n + s.length, 0),
      dataHash,
    },
    sequences,
    layouts,
  };
}

/**
 * The general text to replay: `replayData` (its general-train part when it is a built corpus
 * with one, else its train part), or the general-train part of the first built source that has one.
 */
async function replaySource(replayData: string | null, sources: readonly DataSource[]): Promise<{ path: string; split: CorpusSplit | undefined }> {
  if (replayData) {
    const built = await openBuiltCorpus(replayData);
    return { path: replayData, split: built ? (built.report.split['general-train'].tokens > 0 ? 'general-train' : 'train') : undefined };
  }
  for (const s of sources) {
    const built = await openBuiltCorpus(s.data);
    if (built && built.report.split['general-train'].tokens > 0) return { path: s.data, split: 'general-train' };
  }
  throw new UserError(
    'A replay share needs general text: build the corpus with general text (slayer corpus --general DATA), or name it with --replay-data DATA. Nothing was trained.',
  );
}

function mixtureHash(sources: readonly LoadedSource[]): string {
  const parts = sources.map((s) => [s.record.name, s.record.share, s.record.dataHash]);
  return `sha256:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}
