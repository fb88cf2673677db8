/**
 * A model's weights uploaded to the GPU once per job, in fp16 where the adapter computes in it
 * (else fp32). The host reads them as the streamed weight store does: one tensor at a time from
 * the reader, widened to fp32 (exact), narrowed to fp16 on the host (round to nearest even),
 * copied over, dropped. So the host never holds more than one block, and the model's bytes cross
 * the bus once per job, booked to the ledger's load phase.
 *
 * Blocks made as the mean of others (the insert-one probe) are built on the GPU from the blocks
 * already there (graphs/tensor-mean.ts), in fp32, and freed after their use.
 */
import type { TaskControl } from '../../shared/progress.js';
import { throwIfCancelled } from '../../shared/progress.js';
import { blockTensorSpecs, type TensorReader } from '../model/tensors.js';
import type { BlockSource } from './block-weights.js';
import { free, type DeviceTensor, type GpuDevice } from './device.js';
import { tensorMeanGraph } from './graphs/tensor-mean.js';
import type { FloatType } from './onnx/graph-builder.js';
import { openWeightStore } from './weight-store.js';

export interface DeviceBlock {
  /** Block tensors by Hugging Face suffix, as graph feeds. */
  feeds: Record<string, DeviceTensor>;
  /** Frees what was made for this use (averaged blocks); resident blocks stay. */
  release(): void;
}

export interface DeviceWeights {
  readonly dtype: FloatType;
  /** Bytes of weights held on the GPU. */
  readonly bytes: number;
  block(source: BlockSource): Promise<DeviceBlock>;
  /** A block uploaded as it is (not a mean). */
  resident(layer: number): Record<string, DeviceTensor>;
  embedding(): DeviceTensor;
  finalNorm(): DeviceTensor;
  /** lm_head.weight, or the embedding when the model ties them. */
  head(): DeviceTensor;
  free(): void;
}

export interface UploadOptions {
  /** Blocks the engine holds itself (trained ones): not uploaded. */
  skipLayers?: ReadonlySet<number>;
  /** Embedding, final norm and head are trained: not uploaded. */
  skipGlobals?: boolean;
  control?: TaskControl;
}

export async function uploadWeights(reader: TensorReader, device: GpuDevice, dtype: FloatType, options: UploadOptions = {}): Promise<DeviceWeights> {
  const m = reader.description;
  const host = await openWeightStore(reader, 'streamed', { skipLayers: options.skipLayers, skipGlobals: options.skipGlobals });
  const specs = blockTensorSpecs(m);
  const blocks = new Map<number, Record<string, DeviceTensor>>();
  const globals: { embedding?: DeviceTensor; finalNorm?: DeviceTensor; head?: DeviceTensor } = {};
  let bytes = 0;
  const put = async (values: Float32Array, dims: readonly number[]): Promise<DeviceTensor> => {
    bytes += values.length * (dtype === 'float16' ? 2 : 4);
    return device.uploadFloats(values, dims, dtype);
  };
  const layers = Array.from({ length: m.layers }, (_, i) => i).filter((l) => !options.skipLayers?.has(l));
  device.ledger.beginLoad();
  try {
    if (!options.skipGlobals) globals.embedding = await put(await host.embedding(), [m.vocabSize, m.hiddenSize]);
    for (const [k, layer] of layers.entries()) {
      throwIfCancelled(options.control?.signal);
      options.control?.onProgress?.({ fraction: k / layers.length, message: `Copying weights to the GPU (block ${k + 1} of ${layers.length})` });
      const weights = await host.block(layer);
      const feeds: Record<string, DeviceTensor> = {};
      for (const spec of specs) feeds[spec.name] = await put(weights.get(spec.name)!, spec.shape);
      blocks.set(layer, feeds);
    }
    if (!options.skipGlobals) {
      globals.finalNorm = await put(await host.finalNorm(), [m.hiddenSize]);
      globals.head = m.tiedEmbeddings ? globals.embedding : await put(await host.head(), [m.vocabSize, m.hiddenSize]);
    }
  } catch (e) {
    for (const feeds of blocks.values()) free(...Object.values(feeds));
    free(globals.embedding, globals.finalNorm, m.tiedEmbeddings ? null : globals.head);
    throw e;
  } finally {
    device.ledger.endLoad();
  }

  const resident = (layer: number): Record<string, DeviceTensor> => {
    const feeds = blocks.get(layer);
    if (!feeds) throw new Error(`The GPU holds no weights for block ${layer}`);
    return feeds;
  };
  const global = (t: DeviceTensor | undefined, name: string): DeviceTensor => {
    if (!t) throw new Error(`The GPU holds no ${name}`);
    return t;
  };
  return {
    dtype,
    bytes,
    async block(source) {
      if (typeof source === 'number') return { feeds: resident(source), release: () => {} };
      if (source.mean.length === 1) return { feeds: resident(source.mean[0]), release: () => {} };
      const feeds: Record<string, DeviceTensor> = {};
      for (const spec of specs) {
        const session = await device.cached(
          `mean-${dtype}-${spec.shape.length}-${source.mean.length}`,
          () => tensorMeanGraph(dtype, spec.shape.length, source.mean.length),
          'device',
        );
        const inputs = Object.fromEntries(source.mean.map((layer, i) => [`x${i}`, resident(layer)[spec.name]]));
        feeds[spec.name] = (await session.run(inputs)).mean as DeviceTensor;
      }
      return { feeds, release: () => free(...Object.values(feeds)) };
    },
    resident,
    embedding: () => global(globals.embedding, 'embedding'),
    finalNorm: () => global(globals.finalNorm, 'final norm'),
    head: () => global(globals.head, 'LM head'),
    free() {
      for (const feeds of blocks.values()) free(...Object.values(feeds));
      free(globals.embedding, globals.finalNorm, m.tiedEmbeddings ? null : globals.head);
      blocks.clear();
    },
  };
}
