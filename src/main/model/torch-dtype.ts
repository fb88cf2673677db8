/**
 * Our weight types (f32/f16/bf16) under the names the file formats use: the safetensors dtype
 * tag of each tensor and config.json's torch_dtype.
 */
import type { WeightDtype } from '../../shared/estimate.js';
import type { FloatDtype } from './dtypes.js';

export const SAFETENSORS_DTYPE: Record<WeightDtype, FloatDtype> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };
export const TORCH_DTYPE: Record<WeightDtype, string> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };
export const WEIGHT_DTYPE: Record<FloatDtype, WeightDtype> = { F32: 'f32', F16: 'f16', BF16: 'bf16' };

/** config.json's torch_dtype as one of our weight types; null when absent or not one of ours. */
export function weightDtypeOfTorch(torchDtype: string | null): WeightDtype | null {
  return (Object.keys(TORCH_DTYPE) as WeightDtype[]).find((d) => TORCH_DTYPE[d] === torchDtype) ?? null;
}
