/**
 * Symmetric int8 quantisation of the quick analysis path (`--precision int8`): how a weight
 * matrix becomes small integers and a scale per output channel, and back.
 *
 * Weights, per output channel n of W [N, K] (Hugging Face layout [out, in]):
 *   s_n = max_k |W[n,k]| / 63,    q[k,n] = round(W[n,k] / s_n)  in [-63, 63]
 * stored transposed ([K, N], the layout MatMulInteger multiplies by) with the scales beside it.
 * Activations are quantised per row inside the graphs (graphs/quantise-rows.ts), with 127 levels
 * and zero point 128, and the product is rescaled in fp32 (graphs/linear-int8.ts):
 *   y[m,n] = r_m s_n sum_k (a[m,k] - 128) q[k,n]  ~=  sum_k x[m,k] W[n,k]
 *
 * Why 63 levels and not 127: onnxruntime multiplies uint8 by int8 with vpmaddubsw on CPUs
 * without AVX-VNNI (AVX2, AVX-512F), which adds two products into a saturating int16. With
 * activations up to 255, two products stay below 2^15 only when |q| <= 64 (2 * 255 * 64 =
 * 32640); full-range weights give wrong sums there (measured on this project's AVX2 machine:
 * 65280 instead of 8258048). Seven-bit weights are exact on every CPU, so a quick scan gives the
 * same numbers wherever it runs; onnxruntime's own quantiser calls this "reduce_range".
 *
 * Rounding is half to even, as ONNX's Round, so weights and activations round alike.
 */

/** Largest |q| of a weight (see above). */
export const WEIGHT_LEVELS = 63;
/** Largest |a - zero point| of an activation. */
export const ACTIVATION_LEVELS = 127;
/** uint8 activations are a + 128, so the signed range [-127, 127] becomes [1, 255]. */
export const ACTIVATION_ZERO_POINT = 128;

/** A weight matrix W [N, K] quantised per output channel. */
export interface QuantisedMatrix {
  /** q, row-major [K, N] (transposed from Hugging Face's [N, K]). */
  values: Int8Array;
  /** s_n, one per output channel: W[n, k] ~= q[k, n] * s_n. */
  scales: Float32Array;
  /** K: input features. */
  rows: number;
  /** N: output channels. */
  columns: number;
}

/** round(x) with ties to the even integer, as ONNX's Round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // ties go up
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** Output channels handled together, so that the transposed writes fill whole cache lines. */
const TILE = 64;

/**
 * Quantises W [N, K] (row-major, Hugging Face layout) per output channel. One pass finds each
 * row's largest magnitude, a second writes q transposed, TILE rows at a time.
 */
export function quantiseWeight(weight: Float32Array, outChannels: number, inFeatures: number): QuantisedMatrix {
  const [N, K] = [outChannels, inFeatures];
  if (weight.length !== N * K) throw new Error(`quantiseWeight: ${weight.length} values for [${N}, ${K}]`);
  const scales = new Float32Array(N);
  const inverse = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let max = 0;
    const row = n * K;
    for (let k = 0; k < K; k++) {
      const a = Math.abs(weight[row + k]);
      if (a > max) max = a;
      else if (a !== a) {
        max = a; // NaN: refused below
        break;
      }
    }
    if (!Number.isFinite(max)) throw new Error(`quantiseWeight: output channel ${n} holds a value that is not finite`);
    scales[n] = max / WEIGHT_LEVELS;
    // Divide by the fp32 scale that is stored, so dequantising reproduces the rounding exactly.
    inverse[n] = scales[n] === 0 ? 0 : 1 / scales[n];
  }
  const values = new Int8Array(K * N);
  for (let n0 = 0; n0 < N; n0 += TILE) {
    const n1 = Math.min(N, n0 + TILE);
    for (let k = 0; k < K; k++) {
      const out = k * N;
      for (let n = n0; n < n1; n++) values[out + n] = roundHalfEven(weight[n * K + k] * inverse[n]);
    }
  }
  return { values, scales, rows: K, columns: N };
}

/** W [N, K] back from q and s: W[n, k] = q[k, n] * s_n (for tests and mean blocks). */
export function dequantiseWeight(q: QuantisedMatrix): Float32Array {
  const { rows: K, columns: N } = q;
  const out = new Float32Array(N * K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[n * K + k] = q.values[k * N + n] * q.scales[n];
  return out;
}

/** Bytes a quantised [N, K] matrix holds: one per weight and an fp32 scale per output channel. */
export function quantisedBytes(outChannels: number, inFeatures: number): number {
  return outChannels * inFeatures + 4 * outChannels;
}
