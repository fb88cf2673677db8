/**
 * Two ways to hold a model's weights. Resident: everything read once and kept (fastest when
 * the model fits in memory). Streaming: every tensor read from the reader when a graph needs
 * it and dropped after, so only one block (plus the embedding or head) is in memory at a time
 * and models larger than RAM can still be scored and evaluated.
 */
import type { TaskControl } from '../../shared/progress.js';
import { throwIfCancelled } from '../../shared/progress.js';
import type { TensorReader } from '../model/tensors.js';
import { readBlockWeights, type BlockWeights } from './block-weights.js';

export interface WeightStore {
  block(layer: number): Promise<BlockWeights>;
  embedding(): Promise<Float32Array>;
  finalNorm(): Promise<Float32Array>;
  /** lm_head.weight, or the embedding matrix when the model ties them. */
  head(): Promise<Float32Array>;
}

export function streamingWeights(reader: TensorReader): WeightStore {
  return {
    block: (layer) => readBlockWeights(reader, layer),
    embedding: () => reader.readTensor('model.embed_tokens.weight'),
    finalNorm: () => reader.readTensor('model.norm.weight'),
    head: () => reader.readTensor(reader.description.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'),
  };
}

export async function residentWeights(reader: TensorReader, control?: TaskControl): Promise<WeightStore> {
  const source = streamingWeights(reader);
  const m = reader.description;
  const embedding = await source.embedding();
  const finalNorm = await source.finalNorm();
  const head = m.tiedEmbeddings ? embedding : await source.head();
  const blocks: BlockWeights[] = [];
  for (let layer = 0; layer < m.layers; layer++) {
    throwIfCancelled(control?.signal);
    control?.onProgress?.({ fraction: layer / m.layers, message: `Loading block ${layer + 1} of ${m.layers}` });
    blocks.push(await source.block(layer));
  }
  return {
    block: async (layer) => blocks[layer],
    embedding: async () => embedding,
    finalNorm: async () => finalNorm,
    head: async () => head,
  };
}
