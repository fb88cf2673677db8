/**
 * An independent float64 forward pass and loss of a Llama-family decoder with LoRA adapters
 * taken literally, y = x W^T + b + s ((x * M) A^T) B^T per token, and optional per-token dropout
 * masks M; one sequence at a time, plain loops, no code shared with the engine. The plain
 * decoder's reference (tests/unit/engine/reference-forward.ts) does the rest: rotary
 * frequencies, and the loss of models without adapters.
 */
import type { ModelDescription } from '../../../src/shared/model.js';
import { referenceInverseFrequencies, referenceTokenLogProbs } from '../engine/reference-forward.js';

type Weights = ReadonlyMap<string, ArrayLike<number>>;

export interface ReferenceAdapter {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
}

export interface ReferenceLora {
  rank: number;
  scale: number;
  /** By full adapter prefix: `model.layers.{i}.{module}`. */
  adapters: ReadonlyMap<string, ReferenceAdapter>;
  /** The dropout mask [T, in] of an adapter for sequence `s`, or null (no dropout). */
  mask?: (prefix: string, s: number) => ArrayLike<number> | null;
}

/** L = w * sum over sequences s and targets t of -log p(ids[t+1] | ids[..t]) (targets where `keep` allows). */
export function referenceLoraLoss(
  m: ModelDescription,
  weights: Weights,
  sequences: readonly number[][],
  w: number,
  lora: ReferenceLora,
  keep: (s: number, t: number) => boolean = () => true,
): number {
  let loss = 0;
  sequences.forEach((ids, s) => {
    const logits = referenceLoraLogits(m, weights, ids, lora, s);
    referenceTokenLogProbs(logits, ids, m.vocabSize).forEach((logProb, t) => {
      if (keep(s, t)) loss -= w * logProb;
    });
  });
  return loss;
}

/** Row-major [T, vocab] logits of sequence `s`. */
export function referenceLoraLogits(m: ModelDescription, weights: Weights, ids: readonly number[], lora: ReferenceLora, s: number): Float64Array {
  const T = ids.length;
  const H = m.hiddenSize;
  const embed = weights.get('model.embed_tokens.weight')!;
  let h: Float64Array = new Float64Array(T * H);
  for (let t = 0; t < T; t++) for (let i = 0; i < H; i++) h[t * H + i] = embed[ids[t] * H + i];
  for (let layer = 0; layer < m.layers; layer++) h = block(m, weights, lora, layer, h, T, s);
  const head = m.tiedEmbeddings ? embed : weights.get('lm_head.weight')!;
  return matmul(rmsNorm(h, weights.get('model.norm.weight')!, T, H, m.rmsNormEps), head, undefined, T, H, m.vocabSize);
}

function block(m: ModelDescription, weights: Weights, lora: ReferenceLora, layer: number, h: Float64Array, T: number, s: number): Float64Array {
  const H = m.hiddenSize;
  const D = m.headDim;
  const F = m.intermediateSize;
  const get = (suffix: string) => weights.get(`model.layers.${layer}.${suffix}`);
  const project = (x: Float64Array, module: string, inDim: number, outDim: number): Float64Array => {
    const y = matmul(x, get(`${module}.weight`)!, get(`${module}.bias`), T, inDim, outDim);
    const prefix = `model.layers.${layer}.${module}`;
    const adapter = lora.adapters.get(prefix);
    if (!adapter) return y;
    const mask = lora.mask?.(prefix, s) ?? null;
    const dropped = mask ? x.map((v, i) => v * mask[i]) : x;
    const low = matmul(dropped, adapter.a, undefined, T, inDim, lora.rank);
    const up = matmul(low, adapter.b, undefined, T, lora.rank, outDim);
    return y.map((v, i) => v + lora.scale * up[i]);
  };
  const x = rmsNorm(h, get('input_layernorm.weight')!, T, H, m.rmsNormEps);
  const q = project(x, 'self_attn.q_proj', H, m.heads * D);
  const k = project(x, 'self_attn.k_proj', H, m.kvHeads * D);
  const v = project(x, 'self_attn.v_proj', H, m.kvHeads * D);
  const inv = referenceInverseFrequencies(m);
  rotate(q, m.heads, D, T, inv);
  rotate(k, m.kvHeads, D, T, inv);
  const context = new Float64Array(T * m.heads * D);
  const group = m.heads / m.kvHeads;
  for (let head = 0; head < m.heads; head++) {
    const kv = Math.floor(head / group);
    for (let t = 0; t < T; t++) {
      const scores: number[] = [];
      for (let u = 0; u <= t; u++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[(t * m.heads + head) * D + d] * k[(u * m.kvHeads + kv) * D + d];
        scores.push(dot / Math.sqrt(D));
      }
      const max = Math.max(...scores);
      const e = scores.map((z) => Math.exp(z - max));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let u = 0; u <= t; u++) for (let d = 0; d < D; d++) context[(t * m.heads + head) * D + d] += (e[u] / sum) * v[(u * m.kvHeads + kv) * D + d];
    }
  }
  const a = h.map((value, i) => value + project(context, 'self_attn.o_proj', m.heads * D, H)[i]);
  const y = rmsNorm(a, get('post_attention_layernorm.weight')!, T, H, m.rmsNormEps);
  const gate = project(y, 'mlp.gate_proj', H, F);
  const up = project(y, 'mlp.up_proj', H, F);
  const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
  const down = project(act, 'mlp.down_proj', F, H);
  return a.map((value, i) => value + down[i]);
}

function rmsNorm(x: Float64Array, w: ArrayLike<number>, T: number, H: number, eps: number): Float64Array {
  const out = new Float64Array(T * H);
  for (let t = 0; t < T; t++) {
    let ms = 0;
    for (let i = 0; i < H; i++) ms += x[t * H + i] ** 2;
    const r = 1 / Math.sqrt(ms / H + eps);
    for (let i = 0; i < H; i++) out[t * H + i] = x[t * H + i] * r * w[i];
  }
  return out;
}

/** y = x W^T + b with W as [out, in]. */
function matmul(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | undefined, T: number, inDim: number, outDim: number): Float64Array {
  const y = new Float64Array(T * outDim);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < outDim; o++) {
      let sum = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) sum += x[t * inDim + i] * w[o * inDim + i];
      y[t * outDim + o] = sum;
    }
  }
  return y;
}

function rotate(x: Float64Array, heads: number, D: number, T: number, inv: number[]): void {
  const half = D / 2;
  for (let t = 0; t < T; t++) {
    for (let head = 0; head < heads; head++) {
      const base = (t * heads + head) * D;
      for (let j = 0; j < half; j++) {
        const c = Math.cos(t * inv[j]);
        const sn = Math.sin(t * inv[j]);
        const x1 = x[base + j];
        const x2 = x[base + j + half];
        x[base + j] = x1 * c - x2 * sn;
        x[base + j + half] = x2 * c + x1 * sn;
      }
    }
  }
}
