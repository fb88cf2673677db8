/**
 * The q/k row permutation for llama.cpp's llama architecture: equal to convert_hf_to_gguf.py's
 * LlamaModel.permute written independently as numpy's reshape/swapaxes index arithmetic, undone
 * by the inverse, and correct in what it is for: rotating the permuted rows with ggml's
 * adjacent-pair RoPE gives the same vectors (in permuted order) and the same q.k products as
 * Hugging Face's half-split rotate_half RoPE.
 */
import { describe, expect, it } from 'vitest';
import { permuteRotaryRows, unpermuteRotaryRows } from '../../../src/main/export/rope-layout.js';
import { rng } from '../plan/helpers.js';

function randomArray(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/**
 * w.reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2).reshape(rows, cols), as numpy lays it
 * out: walk the swapped array [h][i][j][c] in C order, each element read from source [h][j][i][c].
 */
function numpyPermute(w: Float32Array, nHead: number, cols: number): Float32Array {
  const rows = w.length / cols;
  const half = rows / nHead / 2;
  const out = new Float32Array(w.length);
  let k = 0;
  for (let h = 0; h < nHead; h++)
    for (let i = 0; i < half; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < cols; c++) out[k++] = w[((h * 2 + j) * half + i) * cols + c];
  return out;
}

function matVec(w: Float32Array, x: Float64Array): Float64Array {
  const cols = x.length;
  return Float64Array.from({ length: w.length / cols }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += w[r * cols + c] * x[c];
    return s;
  });
}

/** Hugging Face: per head, dimension j rotates with j + d/2 by angle pos * base^(-2j/d). */
function ropeHalfSplit(v: Float64Array, headDim: number, pos: number, base: number): Float64Array {
  const out = new Float64Array(v.length);
  const half = headDim / 2;
  for (let h = 0; h < v.length / headDim; h++) {
    for (let j = 0; j < half; j++) {
      const a = pos * base ** ((-2 * j) / headDim);
      const x0 = v[h * headDim + j];
      const x1 = v[h * headDim + j + half];
      out[h * headDim + j] = x0 * Math.cos(a) - x1 * Math.sin(a);
      out[h * headDim + j + half] = x1 * Math.cos(a) + x0 * Math.sin(a);
    }
  }
  return out;
}

/** ggml RoPE, normal mode (llama.cpp's llama): dimensions 2j and 2j+1 rotate together. */
function ropeAdjacent(v: Float64Array, headDim: number, pos: number, base: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let h = 0; h < v.length / headDim; h++) {
    for (let j = 0; j < headDim / 2; j++) {
      const a = pos * base ** ((-2 * j) / headDim);
      const x0 = v[h * headDim + 2 * j];
      const x1 = v[h * headDim + 2 * j + 1];
      out[h * headDim + 2 * j] = x0 * Math.cos(a) - x1 * Math.sin(a);
      out[h * headDim + 2 * j + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
    }
  }
  return out;
}

const toF32 = (v: Float64Array) => Float32Array.from(v);

describe('q/k row permutation', () => {
  it.each([
    { heads: 4, headDim: 8, cols: 5 },
    { heads: 2, headDim: 16, cols: 3 },
    { heads: 1, headDim: 2, cols: 7 },
    { heads: 3, headDim: 6, cols: 1 },
  ])('matches LlamaModel.permute and is undone by its inverse ($heads heads of $headDim, $cols columns)', ({ heads, headDim, cols }) => {
    const w = randomArray(heads * headDim * cols, heads * 100 + cols);
    const permuted = permuteRotaryRows(w, heads, cols);
    expect(permuted).toEqual(numpyPermute(w, heads, cols));
    expect(unpermuteRotaryRows(permuted, heads, cols)).toEqual(w);
    if (headDim > 2) expect(permuted).not.toEqual(w); // with d = 2 both layouts are the same
  });

  it('makes adjacent-pair RoPE on the permuted rows equal to rotate_half RoPE on the original (GQA q.k products kept)', () => {
    const heads = 4;
    const kvHeads = 2;
    const headDim = 8;
    const hidden = 12;
    const base = 10000;
    const wq = randomArray(heads * headDim * hidden, 1);
    const wk = randomArray(kvHeads * headDim * hidden, 2);
    // k_proj is permuted with its own head count, as permute(w, n_head, n_head_kv) does.
    const wqG = permuteRotaryRows(wq, heads, hidden);
    const wkG = permuteRotaryRows(wk, kvHeads, hidden);
    const x1 = Float64Array.from(randomArray(hidden, 3));
    const x2 = Float64Array.from(randomArray(hidden, 4));
    for (const [p1, p2] of [
      [0, 0],
      [3, 1],
      [17, 9],
      [250, 7],
    ]) {
      const qHf = ropeHalfSplit(matVec(wq, x1), headDim, p1, base);
      const kHf = ropeHalfSplit(matVec(wk, x2), headDim, p2, base);
      const qG = ropeAdjacent(matVec(wqG, x1), headDim, p1, base);
      const kG = ropeAdjacent(matVec(wkG, x2), headDim, p2, base);
      const qHfPermuted = permuteRotaryRows(toF32(qHf), heads, 1);
      qHfPermuted.forEach((v, i) => expect(qG[i]).toBeCloseTo(v, 5));
      for (let h = 0; h < heads; h++) {
        const g = Math.floor(h / (heads / kvHeads));
        let dotHf = 0;
        let dotG = 0;
        for (let d = 0; d < headDim; d++) {
          dotHf += qHf[h * headDim + d] * kHf[g * headDim + d];
          dotG += qG[h * headDim + d] * kG[g * headDim + d];
        }
        expect(dotG).toBeCloseTo(dotHf, 10);
      }
    }
  });

  it('refuses shapes that are not whole heads of even size', () => {
    expect(() => permuteRotaryRows(new Float32Array(12), 4, 1)).toThrow(/even head size/);
    expect(() => permuteRotaryRows(new Float32Array(10), 2, 3)).toThrow();
  });
});
