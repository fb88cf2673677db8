/**
 * The DATA a model is scored or evaluated on: token sequences from the data reader, cut to a
 * sequence length the model can take, with token ids checked against the model's vocabulary.
 */
import { UserError } from '../../shared/errors.js';
import type { TaskControl } from '../../shared/progress.js';
import { loadSequences, type BadLinePolicy, type CorpusSplit, type LoadedSequences } from '../data/index.js';
import type { ModelFolder } from '../model/folder.js';
import type { ModelTokenizer } from '../model/tokenizer.js';

export interface DataOptions {
  /** A file or folder of documents, or a corpus built by `slayer corpus`. */
  data: string;
  /** Tokens per sequence; default: the command's default, capped at the model's context. */
  seqLen?: number;
  /** A seeded sample of this many sequences; all when absent. */
  samples?: number;
  seed?: number;
  /** Which part of a built corpus to read (the data reader's default: "train"). */
  split?: CorpusSplit;
  /** A JSONL line that cannot be used: stop with its file and line (default) or skip it. */
  badLines?: BadLinePolicy;
}

export interface ModelData extends LoadedSequences {
  seqLen: number;
  seed: number;
}

/** The sequence length to use: the one asked for, which must fit the model, or the default capped at the model's limit. */
export function resolveSeqLen(folder: ModelFolder, requested: number | undefined, fallback: number): number {
  const limit = folder.description.maxPositionEmbeddings;
  if (requested === undefined) return Math.min(fallback, limit);
  if (requested > limit) {
    throw new UserError(
      `The sequence length ${requested} is more than the model's limit of ${limit} tokens (max_position_embeddings in the config.json of ${folder.dir}). Use a sequence length of at most ${limit} (--seq-len).`,
    );
  }
  return requested;
}

/** The model's tokenizer, or null when the folder has none (token-id data still works). */
export function optionalTokenizer(folder: ModelFolder): Promise<ModelTokenizer | null> {
  return folder.hasTokenizer ? folder.loadTokenizer() : Promise.resolve(null);
}

export async function loadModelData(
  folder: ModelFolder,
  tokenizer: ModelTokenizer | null,
  options: DataOptions,
  defaultSeqLen: number,
  control: TaskControl,
): Promise<ModelData> {
  const seqLen = resolveSeqLen(folder, options.seqLen, defaultSeqLen);
  const seed = options.seed ?? 0;
  const loaded = await loadSequences(
    options.data,
    tokenizer,
    // The embedding may have more rows than the tokenizer uses: ids are checked against the model.
    { seqLen, samples: options.samples, seed, split: options.split, badLines: options.badLines, vocabSize: folder.description.vocabSize },
    control,
  );
  return { ...loaded, seqLen, seed };
}
