/**
 * The weights of a quick scan (`--precision int8`), held in memory ('resident-int8'):
 *   every block's matrices   int8 per output channel (quantise.ts), 1 byte per weight + fp32 scales
 *   norms and biases         fp32, as read
 *   embedding                fp32: a row lookup, not a product, so it is not quantised
 *   final norm               fp32
 *   LM head                  int8 like the blocks, only when the job reads log-probabilities (probes;
 *                            scores never reach the head)
 * The int8 values come from the on-disk cache (int8-cache.ts) when it holds this checkpoint; else
 * each matrix is read, widened to fp32, quantised and dropped, one at a time, and the cache entry
 * is written alongside (every matrix including the head, so that any later job finds it whole).
 * Failing to write the cache (a full disk) never fails the scan: it goes on and says why.
 */
import type { statfs } from 'node:fs/promises';
import type { ModelDescription } from '../../shared/model.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { blockTensorName, blockTensorSpecs, type TensorReader } from '../model/tensors.js';
import { isQuantisedSpec } from './graphs/decoder-block-int8.js';
import { entryBytes, Int8CacheEntry, Int8CacheWriter } from './int8-cache.js';
import { quantiseWeight, type QuantisedMatrix } from './quantise.js';

/** One block: its quantised matrices and its fp32 vectors, by tensor suffix. */
export interface QuantisedBlock {
  matrices: ReadonlyMap<string, QuantisedMatrix>;
  vectors: ReadonlyMap<string, Float32Array>;
}

/** Where the int8 values came from, for the job's record. */
export interface QuantisedOrigin {
  /** 'cache': read from a cache entry; 'quantised': computed now from the checkpoint. */
  source: 'cache' | 'quantised';
  /** The cache entry read or written; null when none was. */
  cacheDir: string | null;
  /** Why no entry was written, when one was wanted. */
  note: string | null;
  /** Time to read or quantise the weights. */
  seconds: number;
}

export interface QuantisedWeights {
  readonly description: ModelDescription;
  readonly origin: QuantisedOrigin;
  block(layer: number): QuantisedBlock;
  readonly embedding: Float32Array;
  readonly finalNorm: Float32Array;
  /** The quantised LM head (the embedding matrix when tied); null when not loaded. */
  readonly head: QuantisedMatrix | null;
}

export interface QuantisedLoadOptions {
  /** Load the LM head: jobs that compute log-probabilities (probes) need it, scores do not. */
  head: boolean;
  /** The cache root and this checkpoint's key (int8CacheKey); null: no cache. `statfs` (tests) fakes the free space. */
  cache: { root: string; key: string; modelDir: string; statfs?: typeof statfs } | null;
  control?: TaskControl;
}

const EMBEDDING = 'model.embed_tokens.weight';
const FINAL_NORM = 'model.norm.weight';
/** The head's name in the cache, whatever the checkpoint calls it. */
export const HEAD_ENTRY = 'lm_head';

function headTensor(m: ModelDescription): string {
  return m.tiedEmbeddings ? EMBEDDING : 'lm_head.weight';
}

/** Every quantised matrix of the model, cache name -> [out, in] and checkpoint tensor. */
export function quantisedMatrices(m: ModelDescription): { name: string; tensor: string; shape: [number, number] }[] {
  const list: { name: string; tensor: string; shape: [number, number] }[] = [];
  const specs = blockTensorSpecs(m).filter(isQuantisedSpec);
  for (let layer = 0; layer < m.layers; layer++) {
    for (const s of specs) list.push({ name: blockTensorName(layer, s.name), tensor: blockTensorName(layer, s.name), shape: [s.shape[0], s.shape[1]] });
  }
  list.push({ name: HEAD_ENTRY, tensor: headTensor(m), shape: [m.vocabSize, m.hiddenSize] });
  return list;
}

/** Bytes of a complete cache entry of this model (every block matrix and the head). */
export function int8CacheBytes(m: ModelDescription): number {
  return quantisedMatrices(m).reduce((n, t) => n + entryBytes(t.shape[1], t.shape[0]), 0);
}

export async function loadQuantisedWeights(reader: TensorReader, options: QuantisedLoadOptions): Promise<QuantisedWeights> {
  const started = performance.now();
  const m = reader.description;
  const control = options.control;
  const matrices = new Map<string, QuantisedMatrix>();
  const wanted = quantisedMatrices(m).filter((t) => t.name !== HEAD_ENTRY || options.head);
  const progress = (i: number, total: number, what: string) => {
    if (i % 8 === 0) control?.onProgress?.({ fraction: i / total, message: `${what} (${i} of ${total} matrices)` });
  };

  let origin: Omit<QuantisedOrigin, 'seconds'>;
  const entry = options.cache ? await Int8CacheEntry.open(options.cache.root, options.cache.key) : null;
  if (entry) {
    try {
      for (const [i, t] of wanted.entries()) {
        throwIfCancelled(control?.signal);
        progress(i, wanted.length, 'Reading int8 weights from the cache');
        matrices.set(t.name, await entry.read(t.name));
      }
    } finally {
      await entry.close();
    }
    origin = { source: 'cache', cacheDir: entry.dir, note: null };
  } else {
    origin = await quantiseAll(reader, options, matrices);
  }

  const vectors = new Map<number, Map<string, Float32Array>>();
  const vectorSpecs = blockTensorSpecs(m).filter((s) => !isQuantisedSpec(s));
  for (let layer = 0; layer < m.layers; layer++) {
    const own = new Map<string, Float32Array>();
    for (const s of vectorSpecs) own.set(s.name, await reader.readTensor(blockTensorName(layer, s.name)));
    vectors.set(layer, own);
  }
  const embedding = await reader.readTensor(EMBEDDING);
  const finalNorm = await reader.readTensor(FINAL_NORM);
  const specs = blockTensorSpecs(m).filter(isQuantisedSpec);
  return {
    description: m,
    origin: { ...origin, seconds: (performance.now() - started) / 1000 },
    embedding,
    finalNorm,
    head: matrices.get(HEAD_ENTRY) ?? null,
    block(layer) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= m.layers) throw new Error(`No layer ${layer} among the quantised weights`);
      return { matrices: new Map(specs.map((s) => [s.name, matrices.get(blockTensorName(layer, s.name))!])), vectors: vectors.get(layer)! };
    },
  };
}

/** Quantises every matrix from the checkpoint into `into` (those the job wants) and writes the cache entry when asked. */
async function quantiseAll(reader: TensorReader, options: QuantisedLoadOptions, into: Map<string, QuantisedMatrix>): Promise<Omit<QuantisedOrigin, 'seconds'>> {
  const m = reader.description;
  const all = quantisedMatrices(m);
  const begun = options.cache ? await Int8CacheWriter.begin(options.cache.root, options.cache.key, int8CacheBytes(m), options.cache.statfs) : null;
  let writer = begun instanceof Int8CacheWriter ? begun : null;
  let note = begun && !(begun instanceof Int8CacheWriter) ? begun.reason : null;
  try {
    for (const [i, t] of all.entries()) {
      throwIfCancelled(options.control?.signal);
      if (i % 8 === 0) options.control?.onProgress?.({ fraction: i / all.length, message: `Quantising weights to int8 (${i} of ${all.length} matrices)` });
      const keep = t.name !== HEAD_ENTRY || options.head;
      if (!keep && !writer) continue;
      const q = quantiseWeight(await reader.readTensor(t.tensor), t.shape[0], t.shape[1]);
      if (keep) into.set(t.name, q);
      if (writer) {
        try {
          await writer.add(t.name, q);
        } catch (e) {
          await writer.abort();
          writer = null;
          note = `not cached: writing to ${options.cache!.root} failed (${(e as Error).message.split('\n')[0]})`;
        }
      }
    }
  } catch (e) {
    await writer?.abort();
    throw e;
  }
  let cacheDir: string | null = null;
  if (writer) {
    try {
      cacheDir = await writer.commit({ dir: options.cache!.modelDir, description: m });
    } catch (e) {
      await writer.abort();
      note = `not cached: finishing the entry in ${options.cache!.root} failed (${(e as Error).message.split('\n')[0]})`;
    }
  }
  return { source: 'quantised', cacheDir, note };
}
