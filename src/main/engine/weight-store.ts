/**
 * How an engine holds the weights it does not train, in one of three modes
 * (src/shared/memory.ts WEIGHT_MODES; src/main/memory chooses one before anything loads):
 *
 *   resident-f32     every tensor read once and widened to fp32;
 *   resident-stored  every tensor read once and kept in its stored dtype (bf16/f16); a block,
 *                    the embedding or the head is widened into one reused fp32 buffer when asked;
 *   streamed         every tensor read from disk when asked and widened into that buffer.
 *
 * The arrays handed out in the last two modes are views of the one buffer, so they hold only
 * until the next block(), embedding() or head() call: the engines use a block's weights for all
 * the graph calls of that block, then move on. finalNorm() is always an array of its own. All
 * three modes give bit-identical fp32 values: widening bf16 or f16 to fp32 is exact.
 */
import type { WeightMode } from '../../shared/memory.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { decodeFloats, decodeFloatsInto, isFloatDtype, type FloatDtype } from '../model/dtypes.js';
import { blockTensorName, blockTensorSpecs, elementCount, type TensorReader } from '../model/tensors.js';
import { widenElements } from '../memory/weights.js';
import type { BlockWeights } from './block-weights.js';

export interface WeightStore {
  readonly mode: WeightMode;
  /** One block's fp32 weights; in the buffered modes valid until the next block/embedding/head call. */
  block(layer: number): Promise<BlockWeights>;
  embedding(): Promise<Float32Array>;
  finalNorm(): Promise<Float32Array>;
  /** lm_head.weight, or the embedding matrix when the model ties them. */
  head(): Promise<Float32Array>;
}

export interface WeightStoreOptions {
  /** Blocks the store never hands out (trained blocks the engine holds itself): not read, not kept. */
  skipLayers?: ReadonlySet<number>;
  /** The embedding, final norm and LM head are not needed from the store (the engine trains them). */
  skipGlobals?: boolean;
  /** Progress and cancel while resident weights load. */
  control?: TaskControl;
}

/** A tensor as stored: its float dtype and bytes (fp32 readers give their arrays' bytes). */
interface Stored {
  dtype: FloatDtype;
  bytes: Uint8Array;
}

const EMBEDDING = 'model.embed_tokens.weight';
const FINAL_NORM = 'model.norm.weight';

export async function openWeightStore(reader: TensorReader, mode: WeightMode, options: WeightStoreOptions = {}): Promise<WeightStore> {
  switch (mode) {
    case 'resident-f32':
      return residentF32(reader, options);
    case 'resident-stored':
      return bufferedStore(reader, mode, await readResident(reader, options, readStored));
    case 'streamed':
      return bufferedStore(reader, mode, (name) => readStored(reader, name));
    case 'resident-int8':
      throw new Error('int8 weights are loaded by loadQuantisedWeights (quantised-weights.ts), not by a weight store.');
  }
}

function headName(reader: TensorReader): string {
  return reader.description.tiedEmbeddings ? EMBEDDING : 'lm_head.weight';
}

async function readStored(reader: TensorReader, name: string): Promise<Stored> {
  if (!reader.readRawTensor) {
    const values = await reader.readTensor(name);
    return { dtype: 'F32', bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  }
  const raw = await reader.readRawTensor(name);
  if (!isFloatDtype(raw.dtype)) throw new Error(`${name} is stored as ${raw.dtype}, not a float type`);
  return { dtype: raw.dtype, bytes: raw.bytes };
}

/** The names a store must be able to hand out, in the order a forward pass needs them. */
function heldNames(reader: TensorReader, options: WeightStoreOptions): string[] {
  const m = reader.description;
  const names: string[] = [];
  if (!options.skipGlobals) names.push(EMBEDDING);
  for (let layer = 0; layer < m.layers; layer++) {
    if (options.skipLayers?.has(layer)) continue;
    for (const spec of blockTensorSpecs(m)) names.push(blockTensorName(layer, spec.name));
  }
  if (!options.skipGlobals) {
    names.push(FINAL_NORM);
    if (!m.tiedEmbeddings) names.push(headName(reader));
  }
  return names;
}

/** Reads every held tensor once, with progress, into a name -> value map. */
async function readResident<T>(
  reader: TensorReader,
  options: WeightStoreOptions,
  read: (reader: TensorReader, name: string) => Promise<T>,
): Promise<(name: string) => Promise<T>> {
  const names = heldNames(reader, options);
  const held = new Map<string, T>();
  for (const [i, name] of names.entries()) {
    throwIfCancelled(options.control?.signal);
    if (i % 16 === 0) options.control?.onProgress?.({ fraction: i / names.length, message: `Loading weights (${i} of ${names.length} tensors)` });
    held.set(name, await read(reader, name));
  }
  return async (name) => {
    const value = held.get(name);
    if (value === undefined) throw new Error(`The weight store holds no tensor "${name}"`);
    return value;
  };
}

async function residentF32(reader: TensorReader, options: WeightStoreOptions): Promise<WeightStore> {
  const get = await readResident(reader, options, (r, name) => r.readTensor(name));
  return {
    mode: 'resident-f32',
    block: async (layer) =>
      new Map(await Promise.all(blockTensorSpecs(reader.description).map(async (s) => [s.name, await get(blockTensorName(layer, s.name))] as const))),
    embedding: () => get(EMBEDDING),
    finalNorm: () => get(FINAL_NORM),
    head: () => get(headName(reader)),
  };
}

/** resident-stored and streamed: stored bytes from `source`, widened into one reused fp32 buffer. */
function bufferedStore(reader: TensorReader, mode: WeightMode, source: (name: string) => Promise<Stored>): WeightStore {
  const m = reader.description;
  let buffer: Float32Array | null = null;
  /** Widens `name` into the buffer at `offset` (elements) and returns that view. */
  const widen = async (name: string, offset: number, count: number): Promise<Float32Array> => {
    buffer ??= new Float32Array(widenElements(m));
    const view = buffer.subarray(offset, offset + count);
    const stored = await source(name);
    decodeFloatsInto(stored.dtype, stored.bytes, view);
    return view;
  };
  const specs = blockTensorSpecs(m);
  const offsets = specs.map((_, i) => specs.slice(0, i).reduce((n, s) => n + elementCount(s.shape), 0));
  let finalNorm: Float32Array | null = null;
  return {
    mode,
    async block(layer) {
      const weights = new Map<string, Float32Array>();
      for (const [i, spec] of specs.entries()) weights.set(spec.name, await widen(blockTensorName(layer, spec.name), offsets[i], elementCount(spec.shape)));
      return weights;
    },
    embedding: () => widen(EMBEDDING, 0, m.vocabSize * m.hiddenSize),
    head: () => widen(headName(reader), 0, m.vocabSize * m.hiddenSize),
    async finalNorm() {
      if (!finalNorm) {
        const stored = await source(FINAL_NORM);
        finalNorm = decodeFloats(stored.dtype, stored.bytes).slice();
      }
      return finalNorm;
    },
  };
}
