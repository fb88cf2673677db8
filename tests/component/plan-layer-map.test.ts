/**
 * The layer map on real plans from the plan module: the paper's Llama-2-7B layout row by row,
 * importance bars from scores, and the edits its clicks emit.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { mount } from '@vue/test-utils';
import LayerMap from '../../src/renderer/src/components/LayerMap.vue';
import { makePlan } from '../../src/main/plan/index.js';
import { parseModelConfig } from '../../src/main/model/config.js';
import type { LayerScores } from '../../src/shared/plan.js';

const llama7b = parseModelConfig(JSON.parse(readFileSync('tests/fixtures/reference-configs/llama-2-7b.json', 'utf8')));
const paper = makePlan(llama7b, { strategy: 's', paper: true });

const rows = (w: ReturnType<typeof mount>) => w.findAll('[data-testid="layer-row"]');
const ofKind = (w: ReturnType<typeof mount>, kind: string) => rows(w).filter((r) => r.attributes('data-kind') === kind);

describe('layer map of the paper plan (Llama-2-7B, 32 layers)', () => {
  const w = mount(LayerMap, { props: { plan: paper } });

  it('shows 38 resulting rows in order plus the 2 removed layers struck through in place', () => {
    const resulting = rows(w).filter((r) => r.attributes('data-kind') !== 'removed');
    expect(resulting).toHaveLength(38);
    expect(resulting.map((r) => Number(r.attributes('data-index')))).toEqual(Array.from({ length: 38 }, (_, k) => k));
    const removed = ofKind(w, 'removed');
    expect(removed.map((r) => r.attributes('data-original'))).toEqual(['30', '31']);
    // In their original place: right after the refreshed layer 29, at the end of the stack.
    const all = rows(w);
    expect(all.slice(-3).map((r) => r.attributes('data-kind'))).toEqual(['refreshed', 'removed', 'removed']);
    expect(removed.every((r) => r.find('.kind').text() === 'removed')).toBe(true);
  });

  it('puts the new blocks at indices 2, 5, ..., 23 and marks 9 layers as trained', () => {
    // After original layer 2k+1 come k earlier new blocks and the 2k+2 original layers 0..2k+1: index 3k+2.
    const expected = Array.from({ length: 8 }, (_, k) => String(2 * k + 1 + 1 + k));
    expect(ofKind(w, 'new').map((r) => r.attributes('data-index'))).toEqual(expected);
    expect(w.findAll('.trainable-mark')).toHaveLength(9);
    const refreshed = ofKind(w, 'refreshed');
    expect(refreshed.map((r) => r.attributes('data-index'))).toEqual(['37']);
    expect(refreshed[0].text()).toContain('mean of 29, 30, 31');
    // Kind is written, not only coloured.
    expect(ofKind(w, 'new')[0].find('.kind').text()).toBe('new');
    expect(ofKind(w, 'kept')[0].find('.kind').text()).toBe('kept');
  });

  it('offers a gap after every kept layer without a new block, and none after removed layers', () => {
    const gaps = w.findAll('[data-testid="gap"]').map((g) => Number(g.attributes('data-after')));
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => !(i % 2 === 1 && i <= 15));
    expect(gaps).toEqual(expected);
  });
});

describe('layer map edits', () => {
  it('emits the edit for a gap, a new block, a deep layer and a removed layer; shallow layers are not prunable', async () => {
    const w = mount(LayerMap, { props: { plan: paper } });
    await w.find('[data-testid="gap"][data-after="0"]').trigger('click');
    await w.find('[data-testid="gap"][data-after="22"]').trigger('click');
    await ofKind(w, 'new')[0].trigger('click');
    await w.find('[data-kind="kept"][data-original="20"]').trigger('click');
    await w.find('[data-kind="removed"][data-original="31"]').trigger('click');
    await w.find('[data-kind="refreshed"]').trigger('click');
    await w.find('[data-kind="kept"][data-original="3"]').trigger('click');
    expect(w.emitted('edit')).toEqual([
      [{ kind: 'expand', after: 0 }],
      [{ kind: 'expand', after: 22 }],
      [{ kind: 'expand', after: 1 }],
      [{ kind: 'prune', layer: 20 }],
      [{ kind: 'prune', layer: 31 }],
      [{ kind: 'prune', layer: 29 }],
    ]);
    // Actionable rows are real buttons (Enter and Space work); shallow kept rows are not.
    expect(w.find('[data-kind="kept"][data-original="20"]').element.tagName).toBe('BUTTON');
    expect(w.find('[data-kind="kept"][data-original="3"]').element.tagName).toBe('DIV');
  });

  it('emits nothing while disabled (a plan is being made)', async () => {
    const w = mount(LayerMap, { props: { plan: paper, disabled: true } });
    await w.find('[data-testid="gap"][data-after="0"]').trigger('click');
    await w.find('[data-kind="kept"][data-original="20"]').trigger('click');
    expect(w.emitted('edit')).toBeUndefined();
  });
});

describe('importance bars', () => {
  // A U-shaped profile like the paper's: high at both ends, lowest around layer 22; the slight tilt breaks ties.
  const angular = Array.from({ length: 32 }, (_, i) => 0.05 + 0.3 * ((i - 22) / 22) ** 2 + 0.001 * i);
  const scores: LayerScores = {
    layers: angular.map((a, index) => ({ index, angularLast: a, angularMean: a / 2, blockInfluence: a / 3 })),
    samples: 16,
    seqLen: 64,
    dataHash: 'test',
  };
  const scored = makePlan(llama7b, { strategy: 's', pruneRule: 'scores', scores });

  it('draws one bar per original layer, scaled to the largest score, and none for new blocks', () => {
    const w = mount(LayerMap, { props: { plan: scored } });
    const max = Math.max(...angular);
    for (const row of rows(w)) {
      const original = row.attributes('data-original');
      const bar = row.find('.bar > span');
      if (original === undefined) {
        expect(bar.exists()).toBe(false);
        continue;
      }
      const want = ((angular[Number(original)] / max) * 100).toFixed(1);
      expect(bar.attributes('style')).toContain(`width: ${want}%`);
      expect(row.find('.score').text()).toBe(angular[Number(original)].toFixed(3));
    }
  });

  it('shows the least important deep layers as the removed ones', () => {
    const w = mount(LayerMap, { props: { plan: scored } });
    const deep = Array.from({ length: 16 }, (_, k) => 16 + k);
    const lowest = [...deep]
      .sort((a, b) => angular[a] - angular[b])
      .slice(0, 2)
      .sort((a, b) => a - b);
    expect(ofKind(w, 'removed').map((r) => Number(r.attributes('data-original')))).toEqual(lowest);
    expect(ofKind(w, 'removed')[0].attributes('title')).toContain("the 'scores' rule");
  });

  it("says a removed layer went by the paper's rule when the plan deleted the deepest", () => {
    const w = mount(LayerMap, { props: { plan: makePlan(llama7b, { strategy: 's', scores }) } });
    expect(ofKind(w, 'removed').map((r) => Number(r.attributes('data-original')))).toEqual([30, 31]);
    expect(ofKind(w, 'removed')[0].attributes('title')).toContain('one of the deepest layers, deleted as the paper does');
  });

  it('keeps showing scores passed separately (manual plans do not carry them)', () => {
    const manual = makePlan(llama7b, { strategy: 'manual', layout: { expand: [{ after: 1, init: 'average' }], prune: [31], refresh: 'mean' } });
    expect(manual.scores).toBeUndefined();
    const w = mount(LayerMap, { props: { plan: manual, scores } });
    expect(w.findAll('.bar')).toHaveLength(32);
  });
});
