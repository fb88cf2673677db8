/**
 * The depth rules of the S strategy for common depths: plans made from configs of 22, 28, 32,
 * 40 and 80 layers against the numbers written out by hand below, and the table in
 * docs/s-strategy.md against the same numbers, so the docs cannot drift from the product.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../../src/main/plan/index.js';
import { independentCounts, modelOf, referenceConfig } from './helpers.js';

interface Row {
  layers: number;
  shallow: string;
  expandAfter: number[];
  removed: number[];
  refreshFrom: number[];
  result: number;
  trained: number;
}

const odd = (count: number) => Array.from({ length: count }, (_, k) => 2 * k + 1);

/** Worked out by hand from the rules on the docs page (S = ceil(L/2), N = min(round(L/4), floor(S/2)), K = round(L/16), cap 2). */
const EXPECTED: Row[] = [
  { layers: 22, shallow: '0-10', expandAfter: odd(5), removed: [21], refreshFrom: [20, 21], result: 26, trained: 6 },
  { layers: 28, shallow: '0-13', expandAfter: odd(7), removed: [26, 27], refreshFrom: [25, 26, 27], result: 33, trained: 8 },
  { layers: 32, shallow: '0-15', expandAfter: odd(8), removed: [30, 31], refreshFrom: [29, 30, 31], result: 38, trained: 9 },
  { layers: 40, shallow: '0-19', expandAfter: odd(10), removed: [37, 38, 39], refreshFrom: [36, 37, 38], result: 47, trained: 11 },
  { layers: 80, shallow: '0-39', expandAfter: odd(20), removed: [75, 76, 77, 78, 79], refreshFrom: [74, 75, 76], result: 95, trained: 21 },
];

const llama = referenceConfig('llama-2-7b');

describe.each(EXPECTED)('S plan with the defaults for $layers layers', (row) => {
  const raw = { ...llama, num_hidden_layers: row.layers };
  const plan = makePlan(modelOf(raw), { strategy: 's' });

  it('puts new blocks after the odd shallow layers, never after layer 0', () => {
    const fromOf = plan.layers.filter((l) => l.kind === 'new').map((l) => l.init.from);
    expect(fromOf).toEqual(row.expandAfter.map((i) => [i, i + 1]));
  });

  it("deletes the deepest layers (the paper's rule) and refreshes the last kept one from a mean of at most 3 layers", () => {
    expect(plan.removed).toEqual(row.removed);
    expect(plan.settings.pruneBy).toBe('deepest');
    const refreshed = plan.layers.filter((l) => l.kind === 'refreshed');
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ source: row.refreshFrom[0], trainable: true, init: { method: 'mean-of', from: row.refreshFrom, zeroed: [] } });
    expect(refreshed[0].index).toBe(plan.layers.length - 1);
    const capped = row.removed.filter((r) => !row.refreshFrom.includes(r));
    const note = plan.notes.find((n) => n.startsWith(`Refreshed layer ${row.refreshFrom[0]} starts as the element-wise mean`));
    expect(note).toBeDefined();
    if (capped.length) expect(note).toMatch(/not averaged in, because the mean is capped at the last kept layer and 2 deleted ones/);
    else expect(note).not.toMatch(/capped/);
  });

  it('has the counts of the table, equal to the config numbers', () => {
    expect(plan.counts.layers).toBe(row.result);
    expect(plan.layers.filter((l) => l.trainable)).toHaveLength(row.trained);
    expect(plan.counts).toEqual(independentCounts(plan, raw));
  });
});

describe('the depth table in docs/s-strategy.md', () => {
  const doc = readFileSync('docs/s-strategy.md', 'utf8');
  const header = '| layers | shallow half | new blocks | new blocks after | deleted | refreshed layer starts as | result | trained blocks |';

  it('states the same numbers', () => {
    expect(doc).toContain(header);
    const lines = doc.slice(doc.indexOf(header)).split('\n').slice(2);
    const rows = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith('|')),
    );
    const list = (cell: string) => cell.split(',').map((x) => Number(x.trim()));
    const parsed: Row[] = rows.map((line) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      expect(Number(cells[2])).toBe(list(cells[3]).length);
      return {
        layers: Number(cells[0]),
        shallow: cells[1],
        expandAfter: list(cells[3]),
        removed: list(cells[4]),
        refreshFrom: list(cells[5].replace(/^mean of /, '')),
        result: Number(cells[6]),
        trained: Number(cells[7]),
      };
    });
    expect(parsed).toEqual(EXPECTED);
  });
});

describe('the rules at small and odd depths', () => {
  const at = (layers: number, options = {}) => makePlan(modelOf({ ...llama, num_hidden_layers: layers }), { strategy: 's', ...options });

  it('layer 0 gets a new block only when every shallow layer is asked for, and the notes say so', () => {
    // 22 layers, 11 shallow: 6 blocks do not fit after odd layers alone, so they spread over 1-10.
    expect(at(22, { expand: 6 }).settings.expandAfter).toEqual([1, 3, 5, 6, 8, 10]);
    const all = at(22, { expand: 11 });
    expect(all.settings.expandAfter).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(all.notes).toContainEqual(expect.stringMatching(/^A new block follows layer 0 \(the mean of layers 0 and 1\)/));
    expect(at(22, { expand: 10 }).settings.expandAfter).not.toContain(0);
  });

  it('fewer blocks than odd layers spread evenly over them', () => {
    expect(at(32, { expand: 4 }).settings.expandAfter).toEqual([3, 7, 11, 15]);
    expect(at(32, { expand: 1 }).settings.expandAfter).toEqual([15]);
  });

  it('an odd depth never deletes its middle layer; tiny models still train something', () => {
    const odd23 = at(23, { prune: 11 });
    expect(odd23.removed[0]).toBe(12);
    expect(() => at(23, { prune: 12 })).toThrow(/only the 11 layers of the deep half may be deleted/);
    // 2 layers: no room for a new block (layer 0 would need asking), nothing deleted, the last layer refreshed as a copy.
    const two = at(2);
    expect(two.layers.map((l) => l.kind)).toEqual(['kept', 'refreshed']);
    expect(two.notes).toContainEqual('Refreshed layer 1 starts as a copy of itself: no layer was deleted, so there is nothing to average in.');
  });
});
