/**
 * Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_: the norm is taken over every
 * trained tensor's gradient at once, and when it exceeds maxNorm all gradients are scaled by
 * maxNorm / (norm + 1e-6), so their direction is kept.
 */
import type { Parameter } from '../engine/training-engine.js';

/** sqrt(sum of g^2) over all gradients, summed in float64. */
export function globalGradNorm(parameters: readonly Parameter[]): number {
  let sum = 0;
  for (const p of parameters) for (let i = 0; i < p.grad.length; i++) sum += p.grad[i] * p.grad[i];
  return Math.sqrt(sum);
}

/** Clips in place (maxNorm 0 = off) and returns the norm before clipping. */
export function clipGradients(parameters: readonly Parameter[], maxNorm: number): number {
  const norm = globalGradNorm(parameters);
  const scale = maxNorm / (norm + 1e-6);
  if (maxNorm > 0 && scale < 1) {
    for (const p of parameters) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= scale;
  }
  return norm;
}
