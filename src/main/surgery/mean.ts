/**
 * Element-wise mean of same-shaped tensors, in fp32:
 *
 *   W = (1/n) * sum_{j=1..n} W_j
 *
 * summed in the order given (W_1 + W_2, then + W_3, ...) and divided once at the end. Sources
 * are read one at a time into a single accumulator, so memory stays at the accumulator plus one
 * source however many layers are averaged (the refreshed final block may fold in several).
 */
import type { TensorReader } from '../model/tensors.js';

export async function meanOfTensors(reader: TensorReader, names: readonly string[]): Promise<Float32Array> {
  // A fresh array per read, so the first source can serve as the accumulator.
  const sum = await reader.readTensor(names[0]);
  for (const name of names.slice(1)) {
    const w = await reader.readTensor(name);
    for (let i = 0; i < sum.length; i++) sum[i] += w[i];
  }
  const n = names.length;
  for (let i = 0; i < sum.length; i++) sum[i] /= n;
  return sum;
}
