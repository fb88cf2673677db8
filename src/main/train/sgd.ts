/**
 * Plain stochastic gradient descent, per element: w = w (1 - lr wd) - lr g (decay on matrices
 * only). No momentum and so no state: a checkpoint holds only the weights.
 */
import type { Parameter } from '../engine/training-engine.js';
import type { NamedTensor } from './checkpoint.js';
import { decays, type Optimizer } from './optimizer.js';

export class Sgd implements Optimizer {
  readonly name = 'sgd';
  updates = 0;

  constructor(
    private readonly parameters: readonly Parameter[],
    private readonly weightDecay: number,
  ) {}

  step(lr: number): void {
    this.updates++;
    for (const p of this.parameters) {
      const w = p.value;
      const g = p.grad;
      const keep = decays(p) ? 1 - lr * this.weightDecay : 1;
      for (let i = 0; i < w.length; i++) w[i] = w[i] * keep - lr * g[i];
    }
  }

  stateTensors(): NamedTensor[] {
    return [];
  }

  restore(updates: number): void {
    this.updates = updates;
  }
}
