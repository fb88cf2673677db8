/** Rotary frequencies and tables against float64 formulas (Hugging Face's default and llama3 rules). */
import { describe, expect, it } from 'vitest';
import { rotaryInverseFrequencies, rotaryTables } from '../../../src/main/engine/rotary-tables.js';
import { tinyConfig } from './random-model.js';
import { referenceInverseFrequencies } from './reference-forward.js';

function expectRelativelyClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i]) / Math.abs(expected[i])).toBeLessThan(tol);
}

describe('rotary tables', () => {
  it('default frequencies are theta^(-2j/D) to float32 precision', () => {
    const m = tinyConfig({ hidden_size: 256, num_attention_heads: 2, num_key_value_heads: 2, rope_theta: 10000 });
    expectRelativelyClose(rotaryInverseFrequencies(m), referenceInverseFrequencies(m), 3e-7);
  });

  it('llama3 scaling of Llama 3.1 8B (theta 500000, factor 8, 1/4, 8192) covers all three bands', () => {
    const m = tinyConfig({
      hidden_size: 4096,
      num_attention_heads: 32,
      rope_theta: 500000,
      max_position_embeddings: 131072,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    });
    const inv = rotaryInverseFrequencies(m);
    const expected = referenceInverseFrequencies(m);
    expectRelativelyClose(inv, expected, 1e-6);
    const unscaled = referenceInverseFrequencies({ ...m, ropeScaling: null });
    const ratios = expected.map((f, j) => unscaled[j] / f);
    expect(ratios[0]).toBe(1); // short wavelengths kept
    expect(ratios[63]).toBeCloseTo(8, 12); // long wavelengths slowed down by the factor
    expect(ratios.some((r) => r > 1.01 && r < 7.99)).toBe(true); // the smooth band in between
  });

  it('cos/sin tables are [position, D/2] of position * inv_j', () => {
    const inv = Float32Array.of(1, 0.1, 0.01);
    const { cos, sin } = rotaryTables(inv, 5);
    for (let pos = 0; pos < 5; pos++) {
      for (let j = 0; j < 3; j++) {
        expect(cos[pos * 3 + j]).toBeCloseTo(Math.cos(pos * inv[j]), 6);
        expect(sin[pos * 3 + j]).toBeCloseTo(Math.sin(pos * inv[j]), 6);
      }
    }
  });
});
