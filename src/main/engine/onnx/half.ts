/**
 * IEEE 754 half precision (fp16) bit patterns, for graph constants and small tensors. Node 20
 * has no Float16Array; onnxruntime takes fp16 tensor data as a Uint16Array of bit patterns.
 * Large tensors are converted by onnxruntime's own Cast kernel (device-tensors.ts), which is
 * vectorised; these loops serve constants and tests.
 *
 * fp16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. Largest finite 65504, smallest
 * normal 2^-14, smallest subnormal 2^-24. Rounding is to nearest, ties to even, as in Cast.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The fp16 bit pattern nearest to x (ties to even); beyond 65504 it is +-infinity. */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const fraction = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (fraction ? 0x200 : 0); // infinity or NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: zero
    // Subnormal: shift the fraction (with its implicit leading 1) right, rounding to nearest even.
    const mantissa = fraction | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let value = mantissa >>> shift;
    if (rest > half || (rest === half && value & 1)) value++;
    return sign | value;
  }
  let value = (e << 10) | (fraction >>> 13);
  const rest = fraction & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && value & 1)) value++; // may carry into the exponent, up to infinity: still correct
  return sign | value;
}

/** The number an fp16 bit pattern stands for. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >>> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

export function toHalfArray(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]);
  return out;
}

export function fromHalfArray(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromHalfBits(bits[i]);
  return out;
}
