/** Budget mode: the plan stays within the parameter target and expands as much as it allows. */
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../../src/main/plan/index.js';
import { blockCountFromConfig, globalCountFromConfig, independentCounts, modelOf, randomConfig, referenceConfig, rng, type RawConfig } from './helpers.js';

/** Brute force over every (N, K): largest N at the planned K; if none fits, the smallest K that fits with N = 0. */
function bruteForce(c: RawConfig, target: number, plannedPrune: number): { expand: number; prune: number } | null {
  const L = c.num_hidden_layers as number;
  const shallow = Math.ceil(L / 2);
  const total = (n: number, k: number) => globalCountFromConfig(c) + (L + n - k) * blockCountFromConfig(c);
  // Budget mode may use every shallow position but the one after layer 0 (never averaged with layer 1 unasked).
  for (let n = Math.max(0, shallow - 1); n >= 0; n--) if (total(n, plannedPrune) <= target) return { expand: n, prune: plannedPrune };
  for (let k = plannedPrune; k <= L - shallow; k++) if (total(0, k) <= target) return { expand: 0, prune: k };
  return null;
}

describe('budget mode', () => {
  it('Llama-2-7B within 8e9 gets the paper layout; within the base size it trades 2 deletions for 2 blocks', () => {
    const m = modelOf(referenceConfig('llama-2-7b'));
    const roomy = makePlan(m, { strategy: 's', budgetParameters: 8e9 });
    expect(roomy.settings).toMatchObject({ expand: 8, prune: 2, budgetParameters: 8e9 });
    expect(roomy.counts.parameters).toBe(7_952_715_776);
    const same = makePlan(m, { strategy: 's', budgetParameters: 6_738_415_616 });
    expect(same.settings).toMatchObject({ expand: 2, prune: 2 });
    expect(same.counts.parameters).toBe(6_738_415_616);
  });

  it('refuses a budget that is not a positive number', () => {
    const m = modelOf(referenceConfig('llama-2-7b'));
    expect(() => makePlan(m, { strategy: 's', budgetParameters: Number.NaN })).toThrow(/budget must be a positive number/);
    expect(() => makePlan(m, { strategy: 's', budgetParameters: -1 })).toThrow(/budget must be a positive number/);
  });

  it('an explicit --expand caps the expansion', () => {
    const m = modelOf(referenceConfig('llama-2-7b'));
    expect(makePlan(m, { strategy: 's', budgetParameters: 9e9, expand: 5 }).settings).toMatchObject({ expand: 5, prune: 2 });
  });

  it('random configs and targets: within target, and no better choice exists', () => {
    const next = rng(99);
    const outcomes = { tooSmall: 0, pruneMore: 0, expand: 0 };
    for (let n = 0; n < 300; n++) {
      const c = randomConfig(next);
      const m = modelOf(c);
      const base = independentCounts(makePlan(m, { strategy: 'full' }), c).parameters;
      const target = Math.floor(base * (0.4 + next() * 0.9));
      const planned = Math.round(m.layers / 16);
      const expected = bruteForce(c, target, planned);
      outcomes[expected === null ? 'tooSmall' : expected.expand === 0 ? 'pruneMore' : 'expand']++;
      if (expected === null) {
        expect(() => makePlan(m, { strategy: 's', budgetParameters: target })).toThrow(/too small.*Raise --budget-params/);
        continue;
      }
      const plan = makePlan(m, { strategy: 's', budgetParameters: target });
      expect(plan.settings).toMatchObject(expected);
      expect(plan.counts.parameters).toBeLessThanOrEqual(target);
      expect(plan.counts).toEqual(independentCounts(plan, c));
    }
    // The random targets exercise all three outcomes.
    expect(Math.min(...Object.values(outcomes))).toBeGreaterThan(10);
  });
});
