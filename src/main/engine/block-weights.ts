/**
 * The blocks an engine runs: original layers, and synthetic blocks for the insert-one probe,
 * made as the element-wise mean of existing blocks.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';

/** One block's tensors by Hugging Face suffix (`self_attn.q_proj.weight`, ...). */
export type BlockWeights = ReadonlyMap<string, Float32Array>;

/**
 * A block of the sequence the engine runs: an original layer index, or a new block whose
 * tensors are the element-wise mean of the listed layers ({ mean: [i] } is a copy of i,
 * { mean: [i, i + 1] } the average init of an inserted block).
 */
export type BlockSource = number | { mean: readonly number[] };

export function validateBlockSequence(sequence: readonly BlockSource[], m: ModelDescription): void {
  const check = (layer: number): void => {
    if (!Number.isInteger(layer) || layer < 0 || layer >= m.layers) {
      throw new UserError(`Layer ${layer} does not exist: the model has layers 0 to ${m.layers - 1} (0-based).`);
    }
  };
  for (const source of sequence) {
    if (typeof source === 'number') check(source);
    else if (source.mean.length === 0) throw new UserError('A new block must be built from at least one existing layer.');
    else source.mean.forEach(check);
  }
}

/**
 * The weights of one entry of a block sequence. Means are accumulated one source block at a
 * time so that streaming holds at most two blocks. The loop runs once per probe over one
 * block's parameters (milliseconds per million values), not per token.
 */
export async function blockWeightsFor(source: BlockSource, load: (layer: number) => Promise<BlockWeights>): Promise<BlockWeights> {
  if (typeof source === 'number') return load(source);
  if (source.mean.length === 1) return load(source.mean[0]);
  const sum = new Map<string, Float32Array>();
  for (const layer of source.mean) {
    for (const [name, data] of await load(layer)) {
      const acc = sum.get(name);
      if (acc === undefined) {
        sum.set(name, Float32Array.from(data));
        continue;
      }
      for (let i = 0; i < acc.length; i++) acc[i] += data[i];
    }
  }
  const n = source.mean.length;
  for (const acc of sum.values()) for (let i = 0; i < acc.length; i++) acc[i] /= n;
  return sum;
}
