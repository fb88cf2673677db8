/**
 * Plans for random configs (depth 1-48, GQA, explicit head_dim, q/k/v and MLP biases, tied
 * embeddings): every plan is checked against properties computed here from the config numbers
 * and the requested layout, not against the code's own arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { makePlan, validatePlan } from '../../../src/main/plan/index.js';
import type { Plan, RefreshChoice } from '../../../src/shared/plan.js';
import { independentCounts, modelOf, randomConfig, rng, type RawConfig } from './helpers.js';

const CASES = 150;

function zeroedFor(c: RawConfig): string[] {
  const oBias = c.model_type === 'llama' && c.attention_bias === true;
  return [
    'self_attn.o_proj.weight',
    'mlp.down_proj.weight',
    ...(oBias ? ['self_attn.o_proj.bias'] : []),
    ...(c.mlp_bias === true ? ['mlp.down_proj.bias'] : []),
  ];
}

/** Structure every plan must have, whatever the strategy. */
function checkCommon(plan: Plan, c: RawConfig): void {
  const L = c.num_hidden_layers as number;
  expect(plan.counts).toEqual(independentCounts(plan, c));
  expect(plan.layers.map((l) => l.index)).toEqual(plan.layers.map((_, k) => k));
  const keptSources = plan.layers.filter((l) => l.kind !== 'new').map((l) => l.source as number);
  expect([...keptSources, ...plan.removed].sort((a, b) => a - b)).toEqual(Array.from({ length: L }, (_, i) => i));
  expect(keptSources).toEqual([...keptSources].sort((a, b) => a - b));
  for (const [k, l] of plan.layers.entries()) {
    if (l.kind !== 'new') continue;
    const after = l.init.from[0];
    expect(plan.layers[k - 1].source).toBe(after);
    expect(l.init.from).toEqual(l.init.method === 'average' ? [after, after + 1] : [after]);
    expect(l.init.zeroed).toEqual(zeroedFor(c));
  }
  // A plan survives the JSON round trip and the import check.
  expect(validatePlan(JSON.parse(JSON.stringify(plan)), modelOf(c))).toEqual(plan);
}

describe('random configs', () => {
  const next = rng(20240601);
  for (let n = 0; n < CASES; n++) {
    const c = randomConfig(next);
    const m = modelOf(c);
    const L = m.layers;
    const shallow = Math.ceil(L / 2);
    const expand = Math.floor(next() * (shallow + 1));
    const prune = Math.floor(next() * (L - shallow + 1));
    const refresh = (['mean', 'keep', 'none'] as RefreshChoice[])[Math.floor(next() * 3)];
    const proN = 1 + Math.floor(next() * L);
    const lastK = 1 + Math.floor(next() * L);

    it(`#${n} L=${L}: S expand ${expand} prune ${prune} refresh ${refresh}`, () => {
      if (expand === 0 && refresh === 'none') {
        expect(() => makePlan(m, { strategy: 's', expand, prune, refresh })).toThrow(/trains nothing/);
        return;
      }
      const plan = makePlan(m, { strategy: 's', expand, prune, refresh });
      checkCommon(plan, c);
      const newLayers = plan.layers.filter((l) => l.kind === 'new');
      expect(newLayers.length).toBe(expand);
      for (const l of newLayers) expect(l.init.from[0]).toBeLessThan(shallow);
      // Layer 0 is averaged with layer 1 only when a block after every shallow layer was asked for.
      expect(newLayers.some((l) => l.init.from[0] === 0)).toBe(expand === shallow);
      // The default rule is the paper's: the deepest layers go.
      expect(plan.settings.pruneBy).toBe('deepest');
      expect(plan.removed).toEqual(Array.from({ length: prune }, (_, k) => L - prune + k));
      const refreshed = plan.layers.filter((l) => l.kind === 'refreshed');
      if (refresh === 'none') expect(refreshed).toEqual([]);
      else {
        const last = L - prune - 1;
        expect(refreshed.map((l) => l.source)).toEqual([last]);
        // The mean takes the last kept layer and at most the 2 deleted layers right after it.
        expect(refreshed[0].init.from).toEqual(refresh === 'mean' ? [last, ...plan.removed.slice(0, 2)] : [last]);
        expect(refreshed[0].init.zeroed).toEqual([]);
        if (refresh === 'mean' && prune > 2) expect(plan.notes.join(' ')).toMatch(/not averaged in, because the mean is capped/);
      }
      expect(plan.layers.filter((l) => l.trainable).length).toBe(expand + refreshed.length);
      expect(plan.counts.layers).toBe(L + expand - prune);
    });

    it(`#${n} L=${L}: LLaMA Pro N=${proN}, last-k ${lastK}, full`, () => {
      const pro = makePlan(m, { strategy: 'llama-pro', expand: proN });
      checkCommon(pro, c);
      const after = pro.layers.filter((l) => l.kind === 'new').map((l) => l.init.from[0]);
      expect(after.length).toBe(proN);
      expect(after[after.length - 1]).toBe(L - 1);
      const gaps = after.map((a, k) => a - (k === 0 ? -1 : after[k - 1]));
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
      expect(pro.layers.filter((l) => l.trainable).every((l) => l.kind === 'new')).toBe(true);

      const lk = makePlan(m, { strategy: 'last-k', lastK });
      checkCommon(lk, c);
      expect(lk.layers.filter((l) => l.trainable).map((l) => l.index)).toEqual(Array.from({ length: lastK }, (_, k) => L - lastK + k));

      const full = makePlan(m, { strategy: 'full' });
      checkCommon(full, c);
      expect(full.trainGlobals).toBe(true);
      expect(full.counts.trainableParameters).toBe(full.counts.parameters);
    });

    it(`#${n} L=${L}: manual lists`, () => {
      const expandAfter = Array.from({ length: L }, (_, i) => i).filter(() => next() < 0.3);
      const pruneList = Array.from({ length: L }, (_, i) => i).filter((i) => !expandAfter.includes(i) && next() < 0.3);
      if (pruneList.length === L) pruneList.pop();
      const layout = {
        expand: expandAfter.map((after) => ({ after, init: next() < 0.5 ? ('copy' as const) : ('average' as const) })),
        prune: pruneList,
        refresh: 'mean' as const,
      };
      const plan = makePlan(m, { strategy: 'manual', layout });
      checkCommon(plan, c);
      expect(plan.removed).toEqual(pruneList);
      expect(plan.layers.filter((l) => l.kind === 'new').map((l) => l.init.from[0])).toEqual(expandAfter);
      expect(plan.counts.layers).toBe(L + expandAfter.length - pruneList.length);
    });
  }
});
