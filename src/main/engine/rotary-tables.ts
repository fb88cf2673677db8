/**
 * Rotary position tables: inverse frequencies inv_j = theta^(-2j/D) (with Llama 3 frequency
 * scaling when configured) and the cos/sin of position * inv_j that every block reads.
 *
 * Hugging Face computes all of this in float32 tensors, and the checkpoints were trained with
 * those exact angles, so each step below is rounded to float32 (Math.fround) in the order
 * torch evaluates it. It matters most for pos * inv_j at long positions, where float32 rounding
 * of the angle reaches 1e-4 rad.
 */
import type { Llama3RopeScaling, ModelDescription } from '../../shared/model.js';

const f32 = Math.fround;

/** Length headDim/2, as `_compute_default_rope_parameters` / `_compute_llama3_parameters`. */
export function rotaryInverseFrequencies(m: ModelDescription): Float32Array {
  const half = m.headDim / 2;
  const inv = new Float32Array(half);
  for (let j = 0; j < half; j++) {
    // 1.0 / (base ** (arange(0, dim, 2).float() / dim)); torch's `scalar / tensor` is reciprocal().
    inv[j] = f32(1 / f32(Math.pow(f32(m.ropeTheta), f32((2 * j) / m.headDim))));
  }
  return m.ropeScaling ? llama3Scaled(inv, m.ropeScaling) : inv;
}

/**
 * Llama 3.1 scaling: long wavelengths (beyond the original context / lowFreqFactor) are slowed
 * down by `factor`, short ones (below original context / highFreqFactor) are kept, and the
 * band in between blends the two smoothly.
 */
function llama3Scaled(inv: Float32Array, s: Llama3RopeScaling): Float32Array {
  const lowFreqWavelen = f32(s.originalMaxPositionEmbeddings / s.lowFreqFactor);
  const highFreqWavelen = f32(s.originalMaxPositionEmbeddings / s.highFreqFactor);
  const out = new Float32Array(inv.length);
  for (let j = 0; j < inv.length; j++) {
    const wavelen = f32(f32(1 / inv[j]) * f32(2 * Math.PI));
    const scaled = wavelen > lowFreqWavelen ? f32(inv[j] / f32(s.factor)) : inv[j];
    const isMedium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
    if (!isMedium) {
      out[j] = scaled;
      continue;
    }
    const ratio = f32(f32(1 / wavelen) * f32(s.originalMaxPositionEmbeddings));
    const smooth = f32(f32(ratio - f32(s.lowFreqFactor)) / f32(s.highFreqFactor - s.lowFreqFactor));
    out[j] = f32(f32(f32(f32(1 - smooth) * scaled) / f32(s.factor)) + f32(smooth * scaled));
  }
  return out;
}

/** cos and sin of position * inv_j for positions 0..length-1: row-major [length, headDim/2]. */
export function rotaryTables(inv: Float32Array, length: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(length * inv.length);
  const sin = new Float32Array(length * inv.length);
  for (let pos = 0; pos < length; pos++) {
    for (let j = 0; j < inv.length; j++) {
      const angle = f32(inv[j] * pos);
      cos[pos * inv.length + j] = Math.cos(angle);
      sin[pos * inv.length + j] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
