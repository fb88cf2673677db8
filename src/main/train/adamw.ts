/**
 * AdamW (Loshchilov & Hutter), exactly as torch.optim.AdamW computes it, per element:
 *   m = b1 m + (1 - b1) g
 *   v = b2 v + (1 - b2) g^2
 *   w = w (1 - lr wd)                                   (decoupled decay; matrices only)
 *   w = w - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * with t the 1-based update count.
 */
import type { Parameter } from '../engine/training-engine.js';
import type { NamedTensor } from './checkpoint.js';
import { decays, type Optimizer } from './optimizer.js';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

const FIRST_MOMENT = 'exp_avg';
const SECOND_MOMENT = 'exp_avg_sq';

export class AdamW implements Optimizer {
  readonly name = 'adamw';
  updates = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(
    private readonly parameters: readonly Parameter[],
    private readonly settings: AdamWSettings,
  ) {
    this.m = parameters.map((p) => new Float32Array(p.value.length));
    this.v = parameters.map((p) => new Float32Array(p.value.length));
  }

  step(lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.settings;
    const t = ++this.updates;
    const stepSize = lr / (1 - beta1 ** t);
    const secondCorrection = Math.sqrt(1 - beta2 ** t);
    this.parameters.forEach((p, k) => {
      const w = p.value;
      const g = p.grad;
      const m = this.m[k];
      const v = this.v[k];
      const keep = decays(p) ? 1 - lr * weightDecay : 1;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        w[i] = w[i] * keep - (stepSize * m[i]) / (Math.sqrt(v[i]) / secondCorrection + eps);
      }
    });
  }

  stateTensors(): NamedTensor[] {
    return this.parameters.flatMap((p, k) => [
      { name: `${FIRST_MOMENT}.${p.name}`, shape: p.shape, data: this.m[k] },
      { name: `${SECOND_MOMENT}.${p.name}`, shape: p.shape, data: this.v[k] },
    ]);
  }

  restore(updates: number, tensors: ReadonlyMap<string, Float32Array>): void {
    this.updates = updates;
    this.parameters.forEach((p, k) => {
      this.m[k].set(tensors.get(`${FIRST_MOMENT}.${p.name}`)!);
      this.v[k].set(tensors.get(`${SECOND_MOMENT}.${p.name}`)!);
    });
  }
}
