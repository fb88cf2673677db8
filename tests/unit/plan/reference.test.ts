/** The published layouts and counts (the papers; docs/s-strategy.md, docs/training.md) from reference configs alone. */
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../../src/main/plan/index.js';
import { blockCountFromConfig, independentCounts, modelOf, referenceConfig } from './helpers.js';

const llama = referenceConfig('llama-2-7b');
const ZEROED = ['self_attn.o_proj.weight', 'mlp.down_proj.weight'];
const indicesOf = (plan: ReturnType<typeof makePlan>, kind: string) => plan.layers.filter((l) => l.kind === kind).map((l) => l.index);

describe('S strategy on Llama-2-7B', () => {
  const plan = makePlan(modelOf(llama), { strategy: 's', paper: true });

  it('has the published counts', () => {
    expect(blockCountFromConfig(llama)).toBe(202_383_360);
    expect(plan.counts).toEqual({ layers: 38, parameters: 7_952_715_776, trainableParameters: 1_821_450_240 });
    expect(plan.counts).toEqual(independentCounts(plan, llama));
    expect(plan.base).toMatchObject({ layers: 32, parameters: 6_738_415_616, architecture: 'LlamaForCausalLM' });
  });

  it('has the published layer map', () => {
    expect(indicesOf(plan, 'new')).toEqual([2, 5, 8, 11, 14, 17, 20, 23]);
    expect(indicesOf(plan, 'refreshed')).toEqual([37]);
    expect(plan.removed).toEqual([30, 31]);
    expect(plan.layers.filter((l) => l.trainable).map((l) => l.index)).toEqual([2, 5, 8, 11, 14, 17, 20, 23, 37]);
    // New block after original layer i interpolates i and i+1 with its residual outputs zeroed.
    for (const [k, i] of [1, 3, 5, 7, 9, 11, 13, 15].entries()) {
      const layer = plan.layers[2 + 3 * k];
      expect(layer.source).toEqual([i, i + 1]);
      expect(layer.init).toEqual({ method: 'average', from: [i, i + 1], zeroed: ZEROED });
    }
    expect(plan.layers[37]).toEqual({ index: 37, source: 29, kind: 'refreshed', trainable: true, init: { method: 'mean-of', from: [29, 30, 31], zeroed: [] } });
    // Kept layers appear once each, in order, as plain copies.
    const kept = plan.layers.filter((l) => l.kind === 'kept');
    expect(kept.map((l) => l.source)).toEqual(Array.from({ length: 29 }, (_, i) => i));
    for (const l of kept) expect(l.init).toEqual({ method: 'copy', from: [l.source], zeroed: [] });
    expect(plan.trainGlobals).toBe(false);
    expect(plan.version).toBe(1);
  });

  it('scaled defaults reproduce the published layout for 32 layers', () => {
    const scaled = makePlan(modelOf(llama), { strategy: 's' });
    expect(scaled.layers).toEqual(plan.layers);
    expect(scaled.settings).toEqual({ ...plan.settings, paper: false });
    expect(plan.settings).toMatchObject({ paper: true, expand: 8, expandAfter: [1, 3, 5, 7, 9, 11, 13, 15], prune: 2, refresh: 'mean' });
  });

  it('refresh keep starts the final block as layer 29 unchanged; none leaves it frozen', () => {
    const keep = makePlan(modelOf(llama), { strategy: 's', paper: true, refresh: 'keep' });
    expect(keep.layers[37].init).toEqual({ method: 'copy', from: [29], zeroed: [] });
    expect(keep.counts).toEqual(plan.counts);
    const none = makePlan(modelOf(llama), { strategy: 's', paper: true, refresh: 'none' });
    expect(none.layers[37]).toMatchObject({ kind: 'kept', trainable: false });
    expect(none.counts.trainableParameters).toBe(8 * 202_383_360);
  });

  it('--paper refuses other depths and layout overrides', () => {
    expect(() => makePlan(modelOf(referenceConfig('qwen2-7b')), { strategy: 's', paper: true })).toThrow(/32-layer.*28 layers/);
    expect(() => makePlan(modelOf(llama), { strategy: 's', paper: true, expand: 4 })).toThrow(/--paper fixes the layout/);
  });
});

describe('LLaMA Pro on Llama-2-7B', () => {
  const plan = makePlan(modelOf(llama), { strategy: 'llama-pro', expand: 8 });

  it('has the published counts and positions', () => {
    expect(plan.counts).toEqual({ layers: 40, parameters: 8_357_482_496, trainableParameters: 8 * 202_383_360 });
    expect(plan.counts).toEqual(independentCounts(plan, llama));
    expect(indicesOf(plan, 'new')).toEqual([4, 9, 14, 19, 24, 29, 34, 39]);
    expect(plan.layers.filter((l) => l.trainable).map((l) => l.index)).toEqual([4, 9, 14, 19, 24, 29, 34, 39]);
    for (const l of plan.layers.filter((x) => x.kind === 'new')) {
      const after = plan.layers[l.index - 1].source as number;
      expect(l.init).toEqual({ method: 'copy', from: [after], zeroed: ZEROED });
    }
    expect(plan.removed).toEqual([]);
  });

  it('spreads copies evenly when the depth is not a multiple of N', () => {
    const qwen = makePlan(modelOf(referenceConfig('qwen2-7b')), { strategy: 'llama-pro', expand: 8 });
    const after = qwen.layers.filter((l) => l.kind === 'new').map((l) => (l.source as number[])[0]);
    const gaps = after.map((a, k) => a - (k === 0 ? -1 : after[k - 1]));
    expect(after[after.length - 1]).toBe(27);
    expect(gaps.reduce((s, g) => s + g, 0)).toBe(28);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
  });
});

describe('Mistral and Qwen2 reference configs', () => {
  for (const name of ['mistral-7b-v0.1', 'qwen2-7b'] as const) {
    const raw = referenceConfig(name);
    const m = modelOf(raw);
    for (const strategy of ['s', 'llama-pro', 'last-k', 'full'] as const) {
      it(`${name} ${strategy}: counts equal the config's numbers`, () => {
        const plan = makePlan(m, { strategy });
        expect(plan.counts).toEqual(independentCounts(plan, raw));
      });
    }
  }

  it('Qwen2 new blocks average the q/k/v biases and zero only the residual outputs', () => {
    const plan = makePlan(modelOf(referenceConfig('qwen2-7b')), { strategy: 's' });
    // 28 layers: N = round(28/4) = 7 over the 14 shallow layers, after 1, 3, ..., 13; K = round(28/16) = 2.
    expect(plan.layers.filter((l) => l.kind === 'new').map((l) => l.source)).toEqual([1, 3, 5, 7, 9, 11, 13].map((i) => [i, i + 1]));
    expect(plan.removed).toEqual([26, 27]);
    for (const l of plan.layers.filter((x) => x.kind === 'new')) expect(l.init.zeroed).toEqual(ZEROED);
  });

  it('an MLP with biases also zeroes down_proj.bias so the new block stays an identity', () => {
    const plan = makePlan(modelOf({ ...llama, mlp_bias: true }), { strategy: 's' });
    expect(plan.layers[2].init.zeroed).toEqual([...ZEROED, 'mlp.down_proj.bias']);
  });
});
