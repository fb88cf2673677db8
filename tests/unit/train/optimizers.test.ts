/**
 * AdamW and SGD updates against reference implementations written here in float64 (the
 * torch.optim formulas), over several steps, with weight decay only on matrices; and
 * global-norm clipping.
 */
import { describe, expect, it } from 'vitest';
import type { Parameter } from '../../../src/main/engine/training-engine.js';
import { seededNormals } from '../../../src/tooling/seeded-normals.js';
import { AdamW } from '../../../src/main/train/adamw.js';
import { clipGradients } from '../../../src/main/train/clipping.js';
import { Sgd } from '../../../src/main/train/sgd.js';

function parameters(seed: number): Parameter[] {
  const make = (name: string, shape: number[], k: number): Parameter => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { name, shape, value: seededNormals(seed + k, n, 0.5), grad: new Float32Array(n) };
  };
  return [
    make('model.layers.0.self_attn.q_proj.weight', [6, 4], 1),
    make('model.layers.0.input_layernorm.weight', [4], 2),
    make('model.layers.0.self_attn.q_proj.bias', [6], 3),
  ];
}

function setGradients(ps: Parameter[], step: number): void {
  ps.forEach((p, k) => p.grad.set(seededNormals(100 * step + k, p.grad.length, 0.1)));
}

describe('optimizers', () => {
  it('AdamW matches torch.optim.AdamW over three steps (decoupled decay on matrices only, bias correction)', () => {
    const ps = parameters(1);
    const [beta1, beta2, eps, weightDecay] = [0.9, 0.95, 1e-8, 0.1];
    const opt = new AdamW(ps, { beta1, beta2, eps, weightDecay });
    const ref = ps.map((p) => ({
      w: Float64Array.from(p.value),
      m: new Float64Array(p.value.length),
      v: new Float64Array(p.value.length),
      decay: p.shape.length === 2,
    }));
    const lrs = [1e-3, 5e-3, 2e-3];
    lrs.forEach((lr, s) => {
      setGradients(ps, s);
      opt.step(lr);
      const t = s + 1;
      ps.forEach((p, k) => {
        const r = ref[k];
        for (let i = 0; i < r.w.length; i++) {
          const g = p.grad[i];
          if (r.decay) r.w[i] *= 1 - lr * weightDecay;
          r.m[i] = beta1 * r.m[i] + (1 - beta1) * g;
          r.v[i] = beta2 * r.v[i] + (1 - beta2) * g * g;
          const mHat = r.m[i] / (1 - beta1 ** t);
          const vHat = r.v[i] / (1 - beta2 ** t);
          r.w[i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
        }
      });
    });
    ps.forEach((p, k) => p.value.forEach((w, i) => expect(w).toBeCloseTo(ref[k].w[i], 6)));
    expect(opt.updates).toBe(3);
    // Vectors are not decayed: with a zero gradient, a norm gain stays exactly where it is.
    for (const p of ps) p.grad.fill(0);
    const before = ps.map((p) => p.value.slice());
    const fresh = new AdamW(ps, { beta1, beta2, eps, weightDecay });
    fresh.step(1e-2);
    expect(ps[1].value).toEqual(before[1]);
    expect(ps[2].value).toEqual(before[2]);
    ps[0].value.forEach((w, i) => expect(w).toBeCloseTo(before[0][i] * (1 - 1e-2 * weightDecay), 7));
  });

  it('AdamW state round-trips through its checkpoint tensors', () => {
    const a = parameters(2);
    const b = parameters(2);
    const optA = new AdamW(a, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0 });
    setGradients(a, 0);
    optA.step(1e-3);
    const saved = new Map(optA.stateTensors().map((t) => [t.name, t.data.slice()]));
    b.forEach((p, k) => p.value.set(a[k].value));
    const optB = new AdamW(b, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0 });
    optB.restore(optA.updates, saved);
    setGradients(a, 1);
    setGradients(b, 1);
    optA.step(2e-3);
    optB.step(2e-3);
    b.forEach((p, k) => expect(p.value).toEqual(a[k].value));
  });

  it('SGD: w = w (1 - lr wd) - lr g, decay on matrices only', () => {
    const ps = parameters(3);
    const before = ps.map((p) => Float64Array.from(p.value));
    setGradients(ps, 0);
    new Sgd(ps, 0.5).step(0.01);
    ps.forEach((p, k) => p.value.forEach((w, i) => expect(w).toBeCloseTo(before[k][i] * (p.shape.length === 2 ? 1 - 0.005 : 1) - 0.01 * p.grad[i], 7)));
  });

  it('clipping: global norm over all tensors, scaled to the limit only when above it, off at 0', () => {
    const ps = parameters(4);
    setGradients(ps, 0);
    const grads = ps.map((p) => p.grad.slice());
    const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((a, x) => a + x * x, 0), 0));
    expect(clipGradients(ps, 0)).toBeCloseTo(norm, 6);
    ps.forEach((p, k) => expect(p.grad).toEqual(grads[k]));
    expect(clipGradients(ps, 10 * norm)).toBeCloseTo(norm, 6);
    ps.forEach((p, k) => expect(p.grad).toEqual(grads[k]));
    clipGradients(ps, norm / 4);
    const clipped = Math.sqrt(ps.reduce((s, p) => s + p.grad.reduce((a, x) => a + x * x, 0), 0));
    expect(clipped).toBeCloseTo(norm / 4, 5);
    ps.forEach((p, k) => p.grad.forEach((g, i) => expect(g).toBeCloseTo((grads[k][i] * (norm / 4)) / (norm + 1e-6), 7)));
  });
});
