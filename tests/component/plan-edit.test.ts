/**
 * The Plan step's plan bookkeeping: layouts read back from plans, map edits, re-making saved
 * plans from their own settings, and the equivalent `slayer plan` command line. Checked by round
 * trips through the plan module and the CLI's own SPEC parser and a real shell.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { makePlan, parseLayerSpec } from '../../src/main/plan/index.js';
import { parseModelConfig } from '../../src/main/model/config.js';
import { applyEdit, layoutOf, optionsOf, planShape } from '../../src/renderer/src/plan-edit';
import { layerSpec, planCommand, shellQuote } from '../../src/renderer/src/plan-command';
import type { LayerScores, PlanOptions } from '../../src/shared/plan.js';

const llama7b = parseModelConfig(JSON.parse(readFileSync('tests/fixtures/reference-configs/llama-2-7b.json', 'utf8')));
const paper = makePlan(llama7b, { strategy: 's', paper: true });
const scores: LayerScores = {
  layers: Array.from({ length: 32 }, (_, index) => ({ index, angularLast: 0.5 - Math.abs(index - 24) / 100, angularMean: 0.1, blockInfluence: 0.1 })),
  samples: 8,
  seqLen: 32,
  dataHash: 'abc',
};

describe('layouts from plans', () => {
  it('reads the paper plan as expansions after 1, 3, ..., 15, layers 30 and 31 removed, refresh mean', () => {
    expect(layoutOf(paper)).toEqual({
      expand: [1, 3, 5, 7, 9, 11, 13, 15].map((after) => ({ after, init: 'average' })),
      prune: [30, 31],
      refresh: 'mean',
    });
  });

  it('makes the same layer map again as a manual plan, for every strategy that adds or removes blocks', () => {
    for (const o of [
      { strategy: 's' },
      { strategy: 's', scores },
      { strategy: 'llama-pro' },
      { strategy: 's', expand: 3, prune: 5, refresh: 'keep' },
    ] as PlanOptions[]) {
      const plan = makePlan(llama7b, o);
      const again = makePlan(llama7b, { strategy: 'manual', layout: layoutOf(plan) });
      expect(again.layers).toEqual(plan.layers);
      expect(again.removed).toEqual(plan.removed);
    }
  });

  it('re-makes saved plans of every strategy from their own settings', () => {
    const cases: PlanOptions[] = [
      { strategy: 's', paper: true },
      { strategy: 's', expand: 5, prune: 3, scores, scoreMetric: 'angularLast', refresh: 'keep' },
      { strategy: 's', budgetParameters: 7.2e9 },
      { strategy: 'llama-pro', expand: 4 },
      { strategy: 'last-k', lastK: 3 },
      { strategy: 'full' },
      {
        strategy: 'manual',
        layout: {
          expand: [
            { after: 0, init: 'copy' },
            { after: 31, init: 'average' },
          ],
          prune: [20],
          refresh: 'keep',
        },
      },
    ];
    for (const o of cases) {
      const plan = makePlan(llama7b, o);
      expect(planShape(makePlan(llama7b, optionsOf(plan)))).toBe(planShape(plan));
    }
  });
});

describe('map edits', () => {
  const layout = layoutOf(paper);

  it('adds an interpolated block where there was none and removes one where there was', () => {
    const added = applyEdit(layout, { kind: 'expand', after: 0 });
    expect(added.expand.map((e) => e.after)).toEqual([0, 1, 3, 5, 7, 9, 11, 13, 15]);
    expect(added.expand[0].init).toBe('average');
    const removed = applyEdit(layout, { kind: 'expand', after: 3 });
    expect(removed.expand.map((e) => e.after)).toEqual([1, 5, 7, 9, 11, 13, 15]);
    expect(layout.expand).toHaveLength(8);
    const plan = makePlan(llama7b, { strategy: 'manual', layout: added });
    expect(plan.layers.filter((l) => l.kind === 'new').map((l) => l.index)).toEqual([1, 3, 6, 9, 12, 15, 18, 21, 24]);
  });

  it('toggles pruning and keeps the list ascending', () => {
    const pruned = applyEdit(layout, { kind: 'prune', layer: 20 });
    expect(pruned.prune).toEqual([20, 30, 31]);
    expect(applyEdit(pruned, { kind: 'prune', layer: 30 }).prune).toEqual([20, 31]);
    const plan = makePlan(llama7b, { strategy: 'manual', layout: pruned });
    expect(plan.counts.layers).toBe(37);
  });
});

describe('the equivalent command line', () => {
  it('writes a manual layout as a SPEC the CLI parses back to the same layout', () => {
    const layout = {
      expand: [
        { after: 0, init: 'copy' as const },
        { after: 4, init: 'average' as const },
      ],
      prune: [20, 30],
      refresh: 'keep' as const,
    };
    expect(parseLayerSpec(layerSpec(layout))).toEqual(layout);
    const empty = { expand: [], prune: [], refresh: 'mean' as const };
    expect(parseLayerSpec(layerSpec(empty))).toEqual(empty);
  });

  it('quotes paths so a POSIX shell reads back the same words', () => {
    const words = ['/models/llama-2-7b', "/home/o'brien/my models/7b", 'expand=1,3;prune=30,31;refresh=mean', '$HOME `x`'];
    const echoed = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(echoed.split('\n').slice(0, -1)).toEqual(words);
  });

  it('names the strategy, its settings, the batch shape and the output', () => {
    expect(planCommand('/m/7b', { strategy: 's' }, 1, 512)).toBe('slayer plan /m/7b --strategy s --batch 1 --seq-len 512 --out plan.json');
    expect(planCommand('/m/7b', { strategy: 's', expand: 4, prune: 1, pruneRule: 'scores', scores, scoreMetric: 'angularMean' }, 2, 1024)).toBe(
      'slayer plan /m/7b --strategy s --expand 4 --prune-count 1 --prune scores --scores scores.json --score-metric angularMean --batch 2 --seq-len 1024 --out plan.json',
    );
    // The paper's rule reads no scores, and the command line refuses them with it.
    expect(planCommand('/m/7b', { strategy: 's', pruneRule: 'deepest', scores }, 1, 512)).toBe(
      'slayer plan /m/7b --strategy s --prune deepest --batch 1 --seq-len 512 --out plan.json',
    );
    expect(planCommand('/m/7b', { strategy: 'last-k', lastK: 2 }, 1, 512)).toContain('--strategy last-k --last-k 2 ');
    expect(planCommand('/m/7b', { strategy: 'manual', layout: layoutOf(paper) }, 1, 512)).toContain(
      "--strategy manual --layers 'expand=1,3,5,7,9,11,13,15;prune=30,31;refresh=mean' ",
    );
  });
});
