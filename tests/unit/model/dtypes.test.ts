/**
 * F16/BF16 conversions against arithmetic references: a value is sign * significand * 2^exponent
 * computed with Math.pow, never with bit tricks, and rounding picks the nearer neighbour by
 * comparing distances (ties to the even bit pattern).
 */
import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat, decodeFloats, encodeFloats, floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat } from '../../../src/main/model/dtypes.js';

/** IEEE binary16 value of a bit pattern, by the textbook formula. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * Math.pow(2, -24);
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * Math.pow(2, e - 15);
}

/** bfloat16 value of a bit pattern: 8 exponent bits (bias 127), 7 mantissa bits. */
function bfloat16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 7) & 0xff;
  const m = h & 0x7f;
  if (e === 0) return sign * (m / 128) * Math.pow(2, -126);
  if (e === 255) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 128) * Math.pow(2, e - 127);
}

/** Nearest of the sorted, finite, non-negative grid values to x >= 0 (ties to the even index). */
function nearestIndex(grid: number[], x: number): number {
  let lo = 0;
  let hi = grid.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid[mid] <= x) lo = mid;
    else hi = mid;
  }
  const dLo = x - grid[lo];
  const dHi = grid[hi] - x;
  if (dLo < dHi) return lo;
  if (dHi < dLo) return hi;
  return lo % 2 === 0 ? lo : hi;
}

// All finite non-negative halves in increasing order, plus the next step (65536 = 2^16) that
// rounds to infinity, so "nearest" also covers overflow.
const halfGrid = [...Array.from({ length: 0x7c00 }, (_, h) => halfValue(h)), 65536];

// The same for bfloat16; the step past the largest finite value is 2^128.
const bfloat16Grid = [...Array.from({ length: 0x7f80 }, (_, h) => bfloat16Value(h)), 2 ** 128];

function referenceHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  return sign | nearestIndex(halfGrid, a); // index 0x7c00 is the infinity pattern
}

function randomFloat32(rand: () => number, minExp: number, maxExp: number): number {
  const v = (rand() < 0.5 ? -1 : 1) * (1 + rand()) * Math.pow(2, Math.floor(minExp + rand() * (maxExp - minExp)));
  return Math.fround(v);
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('float16', () => {
  it('decodes every one of the 65536 bit patterns like the textbook formula', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const want = halfValue(h);
      const got = halfBitsToFloat(h);
      const ok = Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want === 0 && h & 0x8000 ? -0 : want);
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('encodes every exactly representable value back to its own bits', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = halfValue(h);
      const ok = Number.isNaN(v) ? Number.isNaN(halfValue(floatToHalfBits(v))) : floatToHalfBits(h & 0x8000 && v === 0 ? -0 : v) === h;
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds random float32 values to the nearest half, ties to even, overflow to infinity', () => {
    const rand = lcg(1);
    const values: number[] = [];
    for (let i = 0; i < 20000; i++) values.push(randomFloat32(rand, -28, 17));
    // Exact midpoints between neighbours (representable in float32): the tie-breaking cases.
    for (let i = 0; i < 2000; i++) {
      const h = Math.floor(rand() * 0x7bff);
      values.push((halfValue(h) + halfValue(h + 1)) / 2);
    }
    values.push(65504, 65519.99, 65520, 1e6, 2 ** -25, 2 ** -25 * 1.0001, 2 ** -26, 5.960464477539063e-8, -0);
    expect(values.filter((x) => floatToHalfBits(x) !== referenceHalfBits(x))).toEqual([]);
  });
});

describe('bfloat16', () => {
  it('decodes every bit pattern like the formula', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const want = bfloat16Value(h);
      const got = bfloat16BitsToFloat(h);
      if (Number.isNaN(want) ? !Number.isNaN(got) : got !== want) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds float32 values to the nearer bfloat16 neighbour, ties to even', () => {
    const rand = lcg(2);
    const values: number[] = [];
    for (let i = 0; i < 20000; i++) values.push(randomFloat32(rand, -140, 128));
    for (let i = 0; i < 2000; i++) {
      const h = Math.floor(rand() * 0x7f7f);
      values.push(Math.fround((bfloat16Value(h) + bfloat16Value(h + 1)) / 2));
    }
    values.push(3.3895313892515355e38, Math.fround(3.4e38), 1, -1, 0);
    const reference = (x: number) => (x < 0 ? 0x8000 : 0) | nearestIndex(bfloat16Grid, Math.abs(x));
    expect(values.filter((x) => floatToBfloat16Bits(x) !== reference(x))).toEqual([]);
  });

  it('keeps NaN and infinities', () => {
    expect(Number.isNaN(bfloat16BitsToFloat(floatToBfloat16Bits(NaN)))).toBe(true);
    expect(bfloat16BitsToFloat(floatToBfloat16Bits(Infinity))).toBe(Infinity);
    expect(bfloat16BitsToFloat(floatToBfloat16Bits(-Infinity))).toBe(-Infinity);
    expect(Number.isNaN(halfBitsToFloat(floatToHalfBits(NaN)))).toBe(true);
  });
});

describe('tensor byte conversions', () => {
  const rand = lcg(3);
  const values = Float32Array.from({ length: 1001 }, () => randomFloat32(rand, -20, 10));

  it('encode little-endian bit patterns element by element', () => {
    const f16 = encodeFloats('F16', values);
    const bf16 = encodeFloats('BF16', values);
    const view16 = new DataView(f16.buffer, f16.byteOffset, f16.byteLength);
    const viewB = new DataView(bf16.buffer, bf16.byteOffset, bf16.byteLength);
    const halves = Array.from(values, (_, i) => view16.getUint16(2 * i, true));
    const bfloats = Array.from(values, (_, i) => viewB.getUint16(2 * i, true));
    expect(halves).toEqual(Array.from(values, referenceHalfBits));
    expect(bfloats).toEqual(Array.from(values, (x) => nearestIndex(bfloat16Grid, Math.abs(x)) | (x < 0 ? 0x8000 : 0)));
    const f32 = encodeFloats('F32', values);
    const view32 = new DataView(f32.buffer, f32.byteOffset, f32.byteLength);
    expect(Array.from(values, (_, i) => view32.getFloat32(4 * i, true))).toEqual(Array.from(values));
  });

  it('decode what encode wrote, also from unaligned buffers', () => {
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const bytes = encodeFloats(dtype, values);
      const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
      shifted.set(bytes);
      const rounded = (x: number) =>
        dtype === 'F32' ? x : dtype === 'F16' ? halfValue(referenceHalfBits(x)) : bfloat16Value(nearestIndex(bfloat16Grid, Math.abs(x)) | (x < 0 ? 0x8000 : 0));
      const want = Array.from(values, rounded);
      expect(Array.from(decodeFloats(dtype, bytes))).toEqual(want);
      expect(Array.from(decodeFloats(dtype, shifted))).toEqual(want);
    }
  });
});
