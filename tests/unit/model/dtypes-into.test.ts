/**
 * The in-place conversions (decodeFloatsInto / encodeFloatsInto) against the one-value
 * conversions, which dtypes.test.ts checks against arithmetic references: every one of the 65,536
 * half and bfloat16 bit patterns, and random float32 bit patterns (NaN payloads, subnormals,
 * values exactly halfway between two neighbours), compared bit for bit.
 */
import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat,
  decodeFloats,
  decodeFloatsInto,
  encodeFloats,
  encodeFloatsInto,
  floatToBfloat16Bits,
  floatToHalfBits,
  halfBitsToFloat,
  type FloatDtype,
} from '../../../src/main/model/dtypes.js';

const allPatterns = Uint16Array.from({ length: 65536 }, (_, h) => h);

/** xorshift32: reproducible random 32-bit patterns. */
function randomBits(count: number, seed: number): Uint32Array {
  const out = new Uint32Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x;
  }
  return out;
}

/** Random float32 bit patterns, plus for each one the exact halfway points below 16 and 13 bits (the ties of bf16 and f16 rounding). */
function testFloats(): Float32Array {
  const random = randomBits(100_000, 12345);
  const bits = new Uint32Array(random.length * 3);
  for (let i = 0; i < random.length; i++) {
    bits[3 * i] = random[i];
    bits[3 * i + 1] = ((random[i] & 0xffff0000) | 0x8000) >>> 0;
    bits[3 * i + 2] = ((random[i] & 0xffffe000) | 0x1000) >>> 0;
  }
  return new Float32Array(bits.buffer);
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/**
 * Index of the first element whose bits differ, or -1 (a plain loop: toEqual on 300,000-element
 * arrays takes seconds). `nanMayDiffer` accepts two NaNs with different payloads, for references
 * that return a JS number: storing NaN from a double need not keep its payload.
 */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, nanMayDiffer = false): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (nanMayDiffer && Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    return i;
  }
  return -1;
}

describe('decodeFloatsInto', () => {
  const bytes = new Uint8Array(allPatterns.buffer);

  it('decodes every half pattern exactly like halfBitsToFloat and decodeFloats', () => {
    const out = new Float32Array(65536);
    decodeFloatsInto('F16', bytes, out);
    expect(firstDifference(out, Float32Array.from(allPatterns, halfBitsToFloat), true)).toBe(-1);
    // Compared as values: a float32 load and store may quieten a signalling NaN (x64 does, once
    // the JIT has compiled the loop), so an F16 NaN's quiet bit is not stable between calls.
    expect(firstDifference(out, decodeFloats('F16', bytes), true)).toBe(-1);
  });

  it('decodes every bfloat16 pattern exactly like bfloat16BitsToFloat and decodeFloats', () => {
    const out = new Float32Array(65536);
    decodeFloatsInto('BF16', bytes, out);
    expect(firstDifference(out, Float32Array.from(allPatterns, bfloat16BitsToFloat), true)).toBe(-1);
    expect(firstDifference(bitsOf(out), bitsOf(decodeFloats('BF16', bytes)))).toBe(-1);
    // NaN payloads included: bfloat16 widens by appending 16 zero bits.
    expect(
      firstDifference(
        bitsOf(out),
        Uint32Array.from(allPatterns, (h) => h * 65536),
      ),
    ).toBe(-1);
  });

  it('copies F32 bytes bit for bit, NaN payloads included', () => {
    const values = testFloats();
    const out = new Float32Array(values.length);
    decodeFloatsInto('F32', new Uint8Array(values.buffer), out);
    expect(firstDifference(bitsOf(out), bitsOf(values))).toBe(-1);
  });

  it('writes only its window of a reused array, from unaligned bytes too', () => {
    for (const dtype of ['F16', 'BF16', 'F32'] as FloatDtype[]) {
      const width = dtype === 'F32' ? 4 : 2;
      const source = new Uint8Array(1 + 1000 * width);
      source.set(new Uint8Array(randomBits((1000 * width) / 4, 7).buffer), 1);
      const odd = source.subarray(1); // byte offset 1: no 16- or 32-bit view fits
      const out = new Float32Array(1002).fill(-1);
      decodeFloatsInto(dtype, odd, out.subarray(1, 1001));
      const window = out.subarray(1, 1001);
      const expected = decodeFloats(dtype, odd);
      // F16 as values, for the signalling-NaN reason above.
      expect(dtype === 'F16' ? firstDifference(window, expected, true) : firstDifference(bitsOf(window), bitsOf(expected))).toBe(-1);
      expect([out[0], out[1001]]).toEqual([-1, -1]);
    }
  });

  it('refuses an output of the wrong length', () => {
    expect(() => decodeFloatsInto('BF16', new Uint8Array(8), new Float32Array(3))).toThrow(/take 6 bytes, not 8/);
  });
});

describe('encodeFloatsInto', () => {
  // Every half and bfloat16 value widened to float32 (they must encode back to themselves, NaNs
  // quietened), then the random patterns and their ties.
  const widened = [...Float32Array.from(allPatterns, halfBitsToFloat), ...Float32Array.from(allPatterns, bfloat16BitsToFloat)];
  const values = Float32Array.from([...widened, ...testFloats()]);

  it('rounds every value to bfloat16 exactly like floatToBfloat16Bits and encodeFloats', () => {
    const out = new Uint8Array(values.length * 2);
    encodeFloatsInto('BF16', values, out);
    expect(firstDifference(new Uint16Array(out.buffer), Uint16Array.from(values, floatToBfloat16Bits))).toBe(-1);
    expect(firstDifference(out, encodeFloats('BF16', values))).toBe(-1);
  });

  it('rounds every value to half exactly like floatToHalfBits and encodeFloats', () => {
    const out = new Uint8Array(values.length * 2);
    encodeFloatsInto('F16', values, out);
    expect(firstDifference(new Uint16Array(out.buffer), Uint16Array.from(values, floatToHalfBits))).toBe(-1);
    expect(firstDifference(out, encodeFloats('F16', values))).toBe(-1);
  });

  it('copies F32 values bit for bit', () => {
    const out = new Uint8Array(values.length * 4);
    encodeFloatsInto('F32', values, out);
    expect(firstDifference(new Uint32Array(out.buffer), bitsOf(values))).toBe(-1);
  });

  it('writes only its window of reused bytes, at an odd offset too', () => {
    const some = values.subarray(70_000, 71_000);
    for (const dtype of ['F16', 'BF16', 'F32'] as FloatDtype[]) {
      const width = dtype === 'F32' ? 4 : 2;
      const out = new Uint8Array(2 + some.length * width).fill(0xaa);
      encodeFloatsInto(dtype, some, out.subarray(1, 1 + some.length * width));
      expect(firstDifference(out.subarray(1, 1 + some.length * width), encodeFloats(dtype, some))).toBe(-1);
      expect([out[0], out[out.length - 1]]).toEqual([0xaa, 0xaa]);
    }
  });

  it('refuses an output of the wrong length', () => {
    expect(() => encodeFloatsInto('F16', new Float32Array(3), new Uint8Array(4))).toThrow(/take 6 bytes, not 4/);
  });
});
