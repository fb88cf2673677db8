/**
 * Llama 3.1 RoPE scaling for llama.cpp: the "rope_freqs.weight" tensor of per-pair divisors f_j,
 * which llama.cpp applies as theta_j / f_j (ggml rope freq_factors), computed as
 * convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors does:
 *
 *   wavelen_j = 2*pi / inv_j,      inv_j = base^(-2j/d)
 *   f_j = 1                        if wavelen_j < original / high_freq_factor   (short waves kept)
 *   f_j = factor                   if wavelen_j > original / low_freq_factor    (long waves slowed)
 *   f_j = 1 / ((1 - s)/factor + s) otherwise, s = (original/wavelen_j - low) / (high - low)
 *
 * so that inv_j / f_j equals Hugging Face's scaled inverse frequency. Float32 throughout, as the
 * script computes it in float32 torch tensors.
 */
import type { ModelDescription } from '../../shared/model.js';
import { rotaryInverseFrequencies } from '../engine/rotary-tables.js';

const f32 = Math.fround;

export const ROPE_FREQS_TENSOR = 'rope_freqs.weight';

export function llama3RopeFactors(m: ModelDescription): Float32Array | null {
  const s = m.ropeScaling;
  if (!s) return null;
  const inv = rotaryInverseFrequencies({ ...m, ropeScaling: null });
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return inv.map((freq) => {
    const wavelen = f32((2 * Math.PI) / freq);
    if (wavelen < highFreqWavelen) return 1;
    if (wavelen > lowFreqWavelen) return s.factor;
    const smooth = f32((f32(s.originalMaxPositionEmbeddings / wavelen) - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor));
    return f32(1 / f32(f32((1 - smooth) / s.factor) + smooth));
  });
}
