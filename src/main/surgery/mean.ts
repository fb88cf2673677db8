/**
 * Element-wise mean of same-shaped tensors, computed in fp32 and stored in `dtype`:
 *
 *   W = (1/n) * sum_{j=1..n} W_j
 *
 * summed in the order given (W_1 + W_2, then + W_3, ...) and divided once at the end. The sources
 * stay in their stored form (2 bytes per value for bf16) and are converted a chunk at a time:
 * each chunk is decoded, summed, divided and encoded while it sits in the CPU cache, so memory is
 * the n sources plus the result in their own dtypes, never a full fp32 copy of any of them.
 */
import { DTYPE_BYTES, decodeFloatsInto, encodeFloatsInto, type FloatDtype } from '../model/dtypes.js';
import type { ModelFolder } from '../model/folder.js';

/** Values per chunk: 64 KB of fp32 accumulator, well inside a core's L2 cache. */
const CHUNK = 16384;

// One accumulator and one decode buffer for every chunk of every mean: a fresh array per chunk
// would leave megabytes of garbage per tensor for the collector. Means run one at a time on the
// main thread (nothing awaits between a chunk's decode and its encode), so sharing them is safe.
const accumulator = new Float32Array(CHUNK);
const decoded = new Float32Array(CHUNK);

export async function meanOfTensors(folder: Pick<ModelFolder, 'readRawTensor'>, names: readonly string[], dtype: FloatDtype): Promise<Uint8Array> {
  const sources = await Promise.all(names.map((name) => folder.readRawTensor(name)));
  const count = sources[0].bytes.byteLength / DTYPE_BYTES[sources[0].dtype];
  const decodeInto = (k: number, start: number, into: Float32Array): void => {
    const { dtype: stored, bytes } = sources[k];
    const width = DTYPE_BYTES[stored];
    // Block tensors are checked to be F32, F16 or BF16 when the model folder opens.
    decodeFloatsInto(stored as FloatDtype, bytes.subarray(start * width, (start + into.length) * width), into);
  };

  const width = DTYPE_BYTES[dtype];
  const out = new Uint8Array(count * width);
  const n = names.length;
  for (let start = 0; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    const sum = accumulator.subarray(0, end - start);
    const w = decoded.subarray(0, end - start);
    decodeInto(0, start, sum);
    for (let k = 1; k < n; k++) {
      decodeInto(k, start, w);
      addInto(sum, w);
    }
    divideBy(sum, n);
    encodeFloatsInto(dtype, sum, out.subarray(start * width, end * width));
  }
  return out;
}

function addInto(sum: Float32Array, w: Float32Array): void {
  for (let i = 0; i < sum.length; i++) sum[i] += w[i];
}

function divideBy(sum: Float32Array, n: number): void {
  for (let i = 0; i < sum.length; i++) sum[i] /= n;
}
