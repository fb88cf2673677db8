/**
 * The per-layer update analysis against values known by construction: singular values of a
 * low-rank product B A built from orthonormal factors, effective ranks of hand-picked spectra,
 * relative update norms of hand-made tensors.
 */
import { describe, expect, it } from 'vitest';
import { effectiveRank, layerUpdates, lowRankSingularValues, tensorUpdates } from '../../../src/main/train/update-analysis.js';
import { symmetricEigen } from '../../../src/main/train/symmetric-eigen.js';
import { seededRandom } from '../engine/random-model.js';

/** n orthonormal vectors of length d (Gram-Schmidt on seeded random vectors), as rows. */
function orthonormalRows(n: number, d: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const rows: number[][] = [];
  while (rows.length < n) {
    let v = Array.from({ length: d }, () => random() - 0.5);
    for (const u of rows) {
      const dot = v.reduce((s, x, i) => s + x * u[i], 0);
      v = v.map((x, i) => x - dot * u[i]);
    }
    const norm = Math.hypot(...v);
    rows.push(v.map((x) => x / norm));
  }
  return rows;
}

describe('update analysis', () => {
  it('singular values of B A from r x r matrices equal the ones B A was built with', () => {
    const [out, r, inDim] = [20, 4, 30];
    const sigma = [5, 2, 0.5, 0.01];
    const scale = [3, 0.5, 2, 7];
    const u = orthonormalRows(r, out, 1);
    const v = orthonormalRows(r, inDim, 2);
    // B = U diag(sigma * scale), A = diag(1 / scale) V^T: B A = U diag(sigma) V^T whatever the scale split.
    const b = Float64Array.from({ length: out * r }, (_, k) => u[k % r][Math.floor(k / r)] * sigma[k % r] * scale[k % r]);
    const a = Float64Array.from({ length: r * inDim }, (_, k) => v[Math.floor(k / inDim)][k % inDim] / scale[Math.floor(k / inDim)]);
    const found = lowRankSingularValues(b, a, out, r, inDim);
    found.forEach((s, i) => expect(Math.abs(s - sigma[i])).toBeLessThan(1e-9 * sigma[0]));
    expect(lowRankSingularValues(new Float64Array(out * r), a, out, r, inDim)).toEqual([0, 0, 0, 0]);
  });

  it('effective rank: r for equal singular values, 1 for one, exp(entropy) between', () => {
    expect(effectiveRank([3, 3, 3, 3])).toBeCloseTo(4, 12);
    expect(effectiveRank([7, 0, 0])).toBeCloseTo(1, 12);
    expect(effectiveRank([2, 1])).toBeCloseTo(Math.exp(-((2 / 3) * Math.log(2 / 3) + (1 / 3) * Math.log(1 / 3))), 12);
    expect(effectiveRank([0, 0])).toBe(0);
  });

  it('symmetric eigenvalues of a matrix with a known spectrum', () => {
    const q = orthonormalRows(5, 5, 3);
    const values = [9, 4, 1, 0.25, 0];
    const m = Float64Array.from({ length: 25 }, (_, k) => values.reduce((s, l, j) => s + q[j][Math.floor(k / 5)] * l * q[j][k % 5], 0));
    const found = symmetricEigen(m, 5).values.sort((x, y) => y - x);
    found.forEach((l, i) => expect(Math.abs(l - values[i])).toBeLessThan(1e-12));
  });

  it('relative update per tensor and per block: ||dW|| / ||W||, blocks by index, the head last; a zero start has no ratio', async () => {
    const before = new Map([
      ['model.layers.2.mlp.up_proj.weight', Float32Array.from([3, 4])],
      ['model.layers.2.mlp.down_proj.weight', Float32Array.from([0, 0])],
      ['model.layers.0.self_attn.q_proj.weight', Float32Array.from([1, 0, 0, 0])],
      ['lm_head.weight', Float32Array.from([2])],
    ]);
    const after: Record<string, number[]> = {
      'model.layers.2.mlp.up_proj.weight': [3, 5],
      'model.layers.2.mlp.down_proj.weight': [0, 2],
      'model.layers.0.self_attn.q_proj.weight': [1, 0, 0, 0.5],
      'lm_head.weight': [2.2],
    };
    const reader = { readTensor: async (name: string) => before.get(name)! };
    const parameters = Object.entries(after).map(([name, v]) => ({ name, shape: [v.length], value: Float32Array.from(v), grad: new Float32Array(v.length) }));
    const tensors = await tensorUpdates(reader as never, parameters);
    expect(tensors.map((t) => [t.name, t.relative === null ? null : +t.relative.toFixed(6)])).toEqual([
      ['model.layers.2.mlp.up_proj.weight', 0.2],
      ['model.layers.2.mlp.down_proj.weight', null],
      ['model.layers.0.self_attn.q_proj.weight', 0.5],
      ['lm_head.weight', 0.1],
    ]);
    const layers = layerUpdates(tensors);
    expect(layers.map((l) => l.layer)).toEqual([0, 2, null]);
    // Block 2: sqrt(1 + 4) / sqrt(25 + 0).
    expect(layers[1].relative).toBeCloseTo(Math.sqrt(5) / 5, 6);
  });
});
