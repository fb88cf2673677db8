/**
 * How much each trained layer changed over a run (the paper's per-layer analysis, its Figure 4
 * in spirit): for every trained tensor the Frobenius norm of its update against its starting
 * norm, ||W_after - W_before||_F / ||W_before||_F, gathered per block as
 * sqrt(sum ||dW||^2) / sqrt(sum ||W||^2).
 *
 * LoRA adapters change W by dW = s B A (s = alpha / r), never formed here: with the r x r Gram
 * matrices G_B = B^T B and G_A = A A^T,
 *   ||B A||_F^2 = trace(G_B G_A)
 *   singular values of B A = sqrt(eigenvalues of G_B^(1/2) G_A G_B^(1/2))
 * and the adapter's effective rank is exp(-sum p_i ln p_i), p_i = sigma_i / sum sigma
 * (Roy and Vetterli, 2007): r for r equal singular values, 1 when one direction carries all.
 * The starting weights are read back from the model folder one tensor at a time.
 */
import type { LayerUpdate, TensorUpdate } from '../../shared/training.js';
import type { Parameter } from '../engine/training-engine.js';
import type { AdapterSpec } from '../engine/lora-adapters.js';
import type { TensorReader } from '../model/tensors.js';
import { parseBlockTensorName } from '../model/tensors.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** Updates of tensors trained in place: each parameter against the same tensor in `before`. */
export async function tensorUpdates(before: TensorReader, parameters: readonly Parameter[]): Promise<TensorUpdate[]> {
  const updates: TensorUpdate[] = [];
  for (const p of parameters) {
    const w0 = await before.readTensor(p.name);
    let delta = 0;
    let weight = 0;
    for (let i = 0; i < w0.length; i++) {
      delta += (p.value[i] - w0[i]) ** 2;
      weight += w0[i] ** 2;
    }
    updates.push(update(p.name, Math.sqrt(delta), Math.sqrt(weight)));
  }
  return updates;
}

/** Updates of adapted weights, dW = scale B A, with each adapter's effective rank. */
export async function adapterUpdates(
  before: TensorReader,
  adapters: readonly { spec: AdapterSpec; a: Float32Array; b: Float32Array }[],
  rank: number,
  scale: number,
): Promise<TensorUpdate[]> {
  const updates: TensorUpdate[] = [];
  for (const { spec, a, b } of adapters) {
    const name = `model.layers.${spec.layer}.${spec.module}.weight`;
    const w = await before.readTensor(name);
    let weight = 0;
    for (const x of w) weight += x * x;
    const singular = lowRankSingularValues(b, a, spec.out, rank, spec.in);
    const frobenius = Math.sqrt(singular.reduce((n, s) => n + s * s, 0));
    updates.push({ ...update(name, scale * frobenius, Math.sqrt(weight)), effectiveRank: effectiveRank(singular), rank });
  }
  return updates;
}

/** Per block (in order), then the embeddings and head when they trained. */
export function layerUpdates(tensors: readonly TensorUpdate[]): LayerUpdate[] {
  const groups = new Map<number | null, TensorUpdate[]>();
  for (const t of tensors) {
    const layer = parseBlockTensorName(t.name)?.layer ?? null;
    if (!groups.has(layer)) groups.set(layer, []);
    groups.get(layer)!.push(t);
  }
  const order = [...groups.keys()].sort((x, y) => (x ?? Infinity) - (y ?? Infinity));
  return order.map((layer) => {
    const list = groups.get(layer)!;
    const deltaNorm = Math.sqrt(list.reduce((n, t) => n + t.deltaNorm ** 2, 0));
    const weightNorm = Math.sqrt(list.reduce((n, t) => n + t.weightNorm ** 2, 0));
    const ranks = list.filter((t) => t.effectiveRank !== undefined).map((t) => t.effectiveRank!);
    return {
      layer,
      relative: weightNorm > 0 ? deltaNorm / weightNorm : 0,
      deltaNorm,
      weightNorm,
      ...(ranks.length ? { effectiveRank: ranks.reduce((x, y) => x + y, 0) / ranks.length } : {}),
      tensors: list,
    };
  });
}

/** The singular values of B A (B [out, r], A [r, in], row-major), largest first, from r x r matrices only. */
export function lowRankSingularValues(b: ArrayLike<number>, a: ArrayLike<number>, out: number, r: number, inDim: number): number[] {
  const gramB = new Float64Array(r * r);
  for (let o = 0; o < out; o++) for (let i = 0; i < r; i++) for (let j = i; j < r; j++) gramB[i * r + j] += b[o * r + i] * b[o * r + j];
  const gramA = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = i; j < r; j++) {
      let s = 0;
      for (let k = 0; k < inDim; k++) s += a[i * inDim + k] * a[j * inDim + k];
      gramA[i * r + j] = s;
    }
  }
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < i; j++) {
      gramB[i * r + j] = gramB[j * r + i];
      gramA[i * r + j] = gramA[j * r + i];
    }
  }
  // G_B^(1/2) = V diag(sqrt(lambda)) V^T, then S = G_B^(1/2) G_A G_B^(1/2), whose eigenvalues are sigma^2.
  const { values, vectors } = symmetricEigen(gramB, r);
  const root = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += vectors[i * r + k] * Math.sqrt(Math.max(0, values[k])) * vectors[j * r + k];
      root[i * r + j] = s;
    }
  }
  const product = (x: Float64Array, y: Float64Array) => {
    const z = new Float64Array(r * r);
    for (let i = 0; i < r; i++) for (let k = 0; k < r; k++) for (let j = 0; j < r; j++) z[i * r + j] += x[i * r + k] * y[k * r + j];
    return z;
  };
  const s = product(product(root, gramA), root);
  for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) s[i * r + j] = s[j * r + i] = (s[i * r + j] + s[j * r + i]) / 2;
  return symmetricEigen(s, r)
    .values.map((v) => Math.sqrt(Math.max(0, v)))
    .sort((x, y) => y - x);
}

/** exp(entropy of sigma / sum sigma); 0 for a zero matrix. */
export function effectiveRank(singular: readonly number[]): number {
  const total = singular.reduce((n, s) => n + s, 0);
  if (total <= 0) return 0;
  let entropy = 0;
  for (const s of singular) if (s > 0) entropy -= (s / total) * Math.log(s / total);
  return Math.exp(entropy);
}

function update(name: string, deltaNorm: number, weightNorm: number): TensorUpdate {
  return { name, deltaNorm, weightNorm, relative: weightNorm > 0 ? deltaNorm / weightNorm : null };
}
