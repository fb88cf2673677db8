/**
 * The S strategy (Llama SLayer): add new blocks among the shallow layers, delete a few deep
 * layers, refresh the new final layer, and train only the new and refreshed blocks. The depth
 * rules for a model of L layers (docs/s-strategy.md has the table for common depths):
 *
 *   N = min(round(L/4), floor(S/2)) new blocks, S = ceil(L/2) shallow layers: the paper's 8 per
 *       32 layers, at most one after every other shallow layer. Placed by shallowPositions
 *       (after 1, 3, ..., 15 for L = 32), each the interpolation (W_i + W_{i+1}) / 2 with its
 *       residual outputs zeroed; never after layer 0 unless all S positions are asked for.
 *   K = round(L/16) deep layers deleted (2 for L = 32), chosen by the plan's rule (prune-rules.ts;
 *       default deepest, the paper's); the shallow half is never pruned.
 *   the last kept layer refreshed (default: the mean of itself and at most 2 deleted layers that
 *       followed it; init.ts says when and why it is a copy).
 * Every count is a setting; what a setting changes is said in the plan's notes.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import { firstDeepLayer, type Plan, type PlanOptions } from '../../shared/plan.js';
import { chooseWithinBudget } from './budget.js';
import { buildPlan } from './build.js';
import { requireCount } from './check.js';
import { shallowPositions } from './positions.js';
import { chooseRemoved } from './prune-rules.js';
import { parseScores } from './scores.js';

type SOptions = Extract<PlanOptions, { strategy: 's' }>;

/** The published layout, written out rather than derived so it stays fixed whatever the defaults become. */
const PAPER_LAYERS = 32;
const PAPER_EXPAND_AFTER = [1, 3, 5, 7, 9, 11, 13, 15];
const PAPER_REMOVED = [30, 31];

/** New blocks by default: the paper's ratio, 8 per 32 layers, at most one after every other shallow layer. */
export function defaultExpandCount(layers: number): number {
  return Math.min(Math.round(layers / 4), Math.floor(firstDeepLayer(layers) / 2));
}

/** Deleted layers by default: the paper's 2 of 32. */
export function defaultPruneCount(layers: number): number {
  return Math.round(layers / 16);
}

export function sStrategyPlan(m: ModelDescription, o: SOptions): Plan {
  const L = m.layers;
  const shallow = firstDeepLayer(L);
  const refresh = o.refresh ?? 'mean';
  const rule = o.pruneRule ?? 'deepest';

  if (o.paper) {
    if (L !== PAPER_LAYERS) {
      throw new UserError(
        `--paper reproduces the published layout of a ${PAPER_LAYERS}-layer model, but this model has ${L} layers. Leave out --paper to get the same layout scaled to ${L} layers.`,
      );
    }
    if (o.expand !== undefined || o.prune !== undefined || o.scores !== undefined || o.budgetParameters !== undefined || rule !== 'deepest') {
      throw new UserError(
        '--paper fixes the layout (new blocks after layers 1, 3, ..., 15; layers 30 and 31 deleted). Leave out --expand, --prune-count, --prune, --scores and --budget-params, or drop --paper.',
      );
    }
    const expansions = PAPER_EXPAND_AFTER.map((after) => ({ after, init: 'average' as const }));
    const note = 'The published layout of the paper for a 32-layer model: new blocks after layers 1, 3, ..., 15, the deepest layers 30-31 deleted.';
    return buildPlan(
      m,
      's',
      { expansions, removed: PAPER_REMOVED, refresh, trainKept: [], trainGlobals: false, notes: [note] },
      { paper: true, pruneBy: 'deepest' },
    );
  }

  const deepCount = L - shallow;
  const expandWhy = `at most one new block after each of the ${shallow} shallow layers`;
  const pruneWhy = `only the ${deepCount} layers of the deep half may be deleted`;
  let expand = requireCount(o.expand ?? defaultExpandCount(L), 'The number of new blocks (--expand)', 0, shallow, expandWhy);
  let prune = requireCount(o.prune ?? defaultPruneCount(L), 'The number of deleted layers (--prune-count)', 0, deepCount, pruneWhy);
  if (o.budgetParameters !== undefined) {
    // Without an explicit --expand the budget may use every shallow position but the one after layer 0.
    const maxExpand = o.expand ?? Math.max(0, shallow - 1);
    ({ expand, prune } = chooseWithinBudget(m, o.budgetParameters, { maxExpand, prune, maxPrune: deepCount }));
  }

  const scores = o.scores && parseScores(o.scores, L);
  const readsScores = rule !== 'deepest';
  const scoreMetric = o.scoreMetric ?? 'angularLast';
  const pruned = chooseRemoved(rule, L, prune, scores, scoreMetric);
  const positions = shallowPositions(expand, shallow);
  const notes = [pruned.note];
  if (positions.includes(0)) {
    notes.push(`A new block follows layer 0 (the mean of layers 0 and 1) because a block after every one of the ${shallow} shallow layers was asked for.`);
  }
  const expansions = positions.map((after) => ({ after, init: 'average' as const }));
  return buildPlan(
    m,
    's',
    { expansions, removed: pruned.removed, refresh, trainKept: [], trainGlobals: false, notes },
    { pruneBy: rule, scoreMetric: readsScores ? scoreMetric : null, budgetParameters: o.budgetParameters ?? null },
    scores,
  );
}
