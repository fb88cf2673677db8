/**
 * An independent float64 forward pass of a Llama-family decoder, written with plain loops
 * straight from the equations (and Hugging Face's modeling_llama), one sequence at a time.
 * It shares no code with the engine: it is the yardstick the ONNX graphs are measured against.
 */
import type { ModelDescription } from '../../../src/shared/model.js';

/** Float32Array weights as models store them, or Float64Array for finite-difference checks. */
type Weights = ReadonlyMap<string, ArrayLike<number>>;

export interface ReferenceResult {
  /** Row-major [length, vocab]. */
  logits: Float64Array;
  /** states[k]: the hidden state entering block k; states[blocks.length]: the last block's output. Each [length, hidden]. */
  states: Float64Array[];
}

/** `global` holds model.embed_tokens.weight, model.norm.weight (and lm_head.weight unless tied); `blocks` one map per block by suffix. */
export function referenceForward(m: ModelDescription, global: Weights, blocks: Weights[], ids: readonly number[]): ReferenceResult {
  const T = ids.length;
  const H = m.hiddenSize;
  const embed = global.get('model.embed_tokens.weight')!;
  let h: Float64Array = new Float64Array(T * H);
  for (let t = 0; t < T; t++) for (let i = 0; i < H; i++) h[t * H + i] = embed[ids[t] * H + i];
  const states = [h];
  for (const w of blocks) {
    h = block(m, w, h, T);
    states.push(h);
  }
  const head = m.tiedEmbeddings ? embed : global.get('lm_head.weight')!;
  const logits = linear(rmsNorm(h, global.get('model.norm.weight')!, T, H, m.rmsNormEps), head, undefined, T, H, m.vocabSize);
  return { logits, states };
}

/** log p(ids[t+1]) for t = 0 .. length-2, by log-softmax of the reference logits. */
export function referenceTokenLogProbs(logits: Float64Array, ids: readonly number[], vocab: number): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = logits.subarray(t * vocab, (t + 1) * vocab);
    const max = Math.max(...row);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    out.push(row[ids[t + 1]] - max - Math.log(sum));
  }
  return out;
}

/** Cosine of h_in and h_out at each token. */
export function referenceCosines(hIn: Float64Array, hOut: Float64Array, hidden: number): number[] {
  const cos: number[] = [];
  for (let t = 0; t < hIn.length / hidden; t++) {
    let dot = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < hidden; i++) {
      const x = hIn[t * hidden + i];
      const y = hOut[t * hidden + i];
      dot += x * y;
      a += x * x;
      b += y * y;
    }
    cos.push(dot / Math.sqrt(a * b));
  }
  return cos;
}

/** Inverse rotary frequencies in float64: theta^(-2j/D), then HF's llama3 rule when configured. */
export function referenceInverseFrequencies(m: ModelDescription): number[] {
  const inv = Array.from({ length: m.headDim / 2 }, (_, j) => 1 / Math.pow(m.ropeTheta, (2 * j) / m.headDim));
  const s = m.ropeScaling;
  if (!s) return inv;
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f;
    if (wavelen > lowFreqWavelen) return f / s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return ((1 - smooth) * f) / s.factor + smooth * f;
  });
}

function block(m: ModelDescription, w: Weights, h: Float64Array, T: number): Float64Array {
  const H = m.hiddenSize;
  const D = m.headDim;
  const x = rmsNorm(h, w.get('input_layernorm.weight')!, T, H, m.rmsNormEps);
  const q = linear(x, w.get('self_attn.q_proj.weight')!, w.get('self_attn.q_proj.bias'), T, H, m.heads * D);
  const k = linear(x, w.get('self_attn.k_proj.weight')!, w.get('self_attn.k_proj.bias'), T, H, m.kvHeads * D);
  const v = linear(x, w.get('self_attn.v_proj.weight')!, w.get('self_attn.v_proj.bias'), T, H, m.kvHeads * D);
  const inv = referenceInverseFrequencies(m);
  rotate(q, m.heads, D, T, inv);
  rotate(k, m.kvHeads, D, T, inv);

  const context = new Float64Array(T * m.heads * D);
  const group = m.heads / m.kvHeads;
  for (let head = 0; head < m.heads; head++) {
    const kv = Math.floor(head / group);
    for (let t = 0; t < T; t++) {
      const scores: number[] = [];
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[(t * m.heads + head) * D + d] * k[(s * m.kvHeads + kv) * D + d];
        scores.push(dot / Math.sqrt(D));
      }
      const max = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - max));
      const z = e.reduce((a, b) => a + b, 0);
      for (let s = 0; s <= t; s++) {
        for (let d = 0; d < D; d++) context[(t * m.heads + head) * D + d] += (e[s] / z) * v[(s * m.kvHeads + kv) * D + d];
      }
    }
  }
  const attnOut = linear(context, w.get('self_attn.o_proj.weight')!, w.get('self_attn.o_proj.bias'), T, m.heads * D, H);
  const a = h.map((value, i) => value + attnOut[i]);

  const F = m.intermediateSize;
  const y = rmsNorm(a, w.get('post_attention_layernorm.weight')!, T, H, m.rmsNormEps);
  const gate = linear(y, w.get('mlp.gate_proj.weight')!, w.get('mlp.gate_proj.bias'), T, H, F);
  const up = linear(y, w.get('mlp.up_proj.weight')!, w.get('mlp.up_proj.bias'), T, H, F);
  const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
  const down = linear(act, w.get('mlp.down_proj.weight')!, w.get('mlp.down_proj.bias'), T, F, H);
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

/** y = x W^T + b, W as [out, in]. */
function linear(x: Float64Array, w: ArrayLike<number>, b: ArrayLike<number> | undefined, T: number, inDim: number, outDim: number): Float64Array {
  const y = new Float64Array(T * outDim);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < outDim; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inDim; i++) s += x[t * inDim + i] * w[o * inDim + i];
      y[t * outDim + o] = s;
    }
  }
  return y;
}

/** In place, rotate_half convention: pair (j, j + D/2) turns by t * inv[j]. */
function rotate(x: Float64Array, heads: number, D: number, T: number, inv: number[]): void {
  const half = D / 2;
  for (let t = 0; t < T; t++) {
    for (let head = 0; head < heads; head++) {
      const base = (t * heads + head) * D;
      for (let j = 0; j < half; j++) {
        const c = Math.cos(t * inv[j]);
        const s = Math.sin(t * inv[j]);
        const x1 = x[base + j];
        const x2 = x[base + j + half];
        x[base + j] = x1 * c - x2 * s;
        x[base + j + half] = x2 * c + x1 * s;
      }
    }
  }
}
