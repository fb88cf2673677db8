/**
 * Element types of safetensors files, and the conversions between the three float formats the
 * product computes with (F32, F16, BF16) and Float32Array. Conversions work on the bit patterns,
 * round to nearest even like PyTorch, and keep infinities and NaN.
 * Typed arrays use the platform's byte order; safetensors is little-endian, and so is every
 * platform Electron and Node ship for (x64, arm64).
 */

/** Bytes per element of every dtype the safetensors format defines (sub-byte types excluded). */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
/** The dtypes whose tensors can be read as, and written from, Float32Array. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s);
}

export function isFloatDtype(s: unknown): s is FloatDtype {
  return s === 'F32' || s === 'F16' || s === 'BF16';
}

// Scratch views that reinterpret one float32 as its 32 bits.
const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/** IEEE binary16 bits -> float32 bits, by re-biasing the exponent (15 -> 127). */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return sign | 0x7f800000 | (mantissa << 13); // inf, NaN (payload kept)
  if (exponent !== 0) return sign | ((exponent + 112) << 23) | (mantissa << 13);
  if (mantissa === 0) return sign; // +-0
  // Subnormal half: value = mantissa * 2^-24. Shift the leading 1 up to the implicit-bit position.
  let e = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    e--;
  }
  return sign | (e << 23) | ((mantissa & 0x3ff) << 13);
}

let halfTable: Float32Array | null = null;

/** All 65536 half values as float32: decoding a tensor is then one lookup per element. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) bits[h] = halfToFloatBits(h);
  halfTable = new Float32Array(bits.buffer);
  return halfTable;
}

export function halfBitsToFloat(h: number): number {
  return halfToFloatTable()[h & 0xffff];
}

/** float32 -> binary16 bits, round to nearest even; overflow gives inf, underflow gives subnormals or 0. */
export function floatToHalfBits(x: number): number {
  scratchFloat[0] = x;
  const b = scratchBits[0];
  const sign = (b >>> 16) & 0x8000;
  const exponent = (b >>> 23) & 0xff;
  const mantissa = b & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // inf, or a quiet NaN
  const e = exponent - 112; // the half exponent field, if it fits
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Half subnormal: value = h * 2^-24, so h = (1.mantissa * 2^23) >> (14 - e).
    if (e < -10) return sign; // below half the smallest subnormal: rounds to 0
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (h & 1) === 1)) h++; // a carry into 0x400 is the smallest normal
    return sign | h;
  }
  let h = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // a carry can reach 0x7c00 = inf, as it should
  return sign | h;
}

/** float32 bits -> bfloat16 bits: the top 16 bits, rounded to nearest even. */
function floatBitsToBfloat16Bits(b: number): number {
  if ((b & 0x7fffffff) > 0x7f800000) return (b >>> 16) | 0x40; // NaN stays a (quiet) NaN
  return (b + 0x7fff + ((b >>> 16) & 1)) >>> 16; // a carry into the exponent rounds up to inf, as it should
}

export function floatToBfloat16Bits(x: number): number {
  scratchFloat[0] = x;
  return floatBitsToBfloat16Bits(scratchBits[0]);
}

export function bfloat16BitsToFloat(h: number): number {
  scratchBits[0] = (h & 0xffff) << 16;
  return scratchFloat[0];
}

/**
 * Little-endian bytes of a float tensor -> Float32Array. F32 input that is 4-byte aligned is
 * returned as a view over the same memory (no copy); F16/BF16 produce a new array.
 */
export function decodeFloats(dtype: FloatDtype, bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  if (dtype === 'F32') {
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    return new Float32Array(bytes.slice().buffer);
  }
  const out = new Float32Array(n);
  decodeFloatsInto(dtype, bytes, out);
  return out;
}

/**
 * decodeFloats into an array the caller owns (and reuses): `out` holds exactly the values of
 * `bytes`. Loops that convert chunk after chunk then allocate nothing, so no garbage to collect.
 */
export function decodeFloatsInto(dtype: FloatDtype, bytes: Uint8Array, out: Float32Array): void {
  checkLengths(dtype, bytes, out);
  if (dtype === 'F32') {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
    return;
  }
  const halves = bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, out.length) : new Uint16Array(bytes.slice().buffer);
  if (dtype === 'F16') {
    const table = halfToFloatTable();
    for (let i = 0; i < out.length; i++) out[i] = table[halves[i]];
  } else {
    // bfloat16 is the top half of a float32: widening is a shift, no rounding.
    const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < outBits.length; i++) outBits[i] = halves[i] << 16;
  }
}

/** Float32Array -> little-endian bytes in `dtype`. F32 returns a view over the input (no copy). */
export function encodeFloats(dtype: FloatDtype, values: Float32Array): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * DTYPE_BYTES[dtype]);
  encodeFloatsInto(dtype, values, out);
  return out;
}

/** encodeFloats into bytes the caller owns (and reuses): `out` receives exactly the encoding of `values`. */
export function encodeFloatsInto(dtype: FloatDtype, values: Float32Array, out: Uint8Array): void {
  checkLengths(dtype, out, values);
  if (dtype === 'F32') {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return;
  }
  // An odd byte offset cannot carry a Uint16Array: encode into an aligned array, then copy the bytes.
  const halves = out.byteOffset % 2 === 0 ? new Uint16Array(out.buffer, out.byteOffset, values.length) : new Uint16Array(values.length);
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) halves[i] = floatToHalfBits(values[i]);
  } else {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < bits.length; i++) halves[i] = floatBitsToBfloat16Bits(bits[i]);
  }
  if (halves.buffer !== out.buffer) out.set(new Uint8Array(halves.buffer));
}

function checkLengths(dtype: FloatDtype, bytes: Uint8Array, values: Float32Array): void {
  if (bytes.byteLength !== values.length * DTYPE_BYTES[dtype]) {
    throw new Error(`${values.length} ${dtype} values take ${values.length * DTYPE_BYTES[dtype]} bytes, not ${bytes.byteLength}.`);
  }
}
