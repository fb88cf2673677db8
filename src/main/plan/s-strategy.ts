/**
 * The S strategy (Llama SLayer, design/S-STRATEGY.md section 3): add new blocks among the
 * shallow layers, delete a few deep low-importance layers, refresh the new final layer, and
 * train only the new and refreshed blocks.
 *
 * Defaults for L layers, scaled from the paper's 32-layer layout:
 *   N = round(L/4) new blocks spread over the shallow half (after 1, 3, ..., 15 for L = 32),
 *       each the interpolation (W_i + W_{i+1}) / 2 with its residual outputs zeroed;
 *   K = round(L/16) layers deleted from the deep half: the K lowest-scoring there when scores are
 *       given, else the K deepest (30, 31 for L = 32); the shallow half is never pruned;
 *   the last kept layer refreshed from the mean of itself and the deleted layers after it.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { PlanOptions, Plan } from '../../shared/plan.js';
import { chooseWithinBudget } from './budget.js';
import { buildPlan } from './build.js';
import { requireCount } from './check.js';
import { spreadPositions } from './positions.js';
import { firstDeepLayer } from '../../shared/plan.js';
import { leastImportant, parseScores } from './scores.js';

type SOptions = Extract<PlanOptions, { strategy: 's' }>;

/** The published layout, written out rather than derived so it stays fixed whatever the defaults become. */
const PAPER_LAYERS = 32;
const PAPER_EXPAND_AFTER = [1, 3, 5, 7, 9, 11, 13, 15];
const PAPER_REMOVED = [30, 31];

export function sStrategyPlan(m: ModelDescription, o: SOptions): Plan {
  const L = m.layers;
  const shallow = firstDeepLayer(L);
  const deepLayers = Array.from({ length: L - shallow }, (_, k) => shallow + k);
  const refresh = o.refresh ?? 'mean';

  if (o.paper) {
    if (L !== PAPER_LAYERS) {
      throw new UserError(
        `--paper reproduces the published layout of a ${PAPER_LAYERS}-layer model, but this model has ${L} layers. Leave out --paper to get the same layout scaled to ${L} layers.`,
      );
    }
    if (o.expand !== undefined || o.prune !== undefined || o.scores !== undefined || o.budgetParameters !== undefined) {
      throw new UserError(
        '--paper fixes the layout (new blocks after layers 1, 3, ..., 15; layers 30 and 31 deleted). Leave out --expand, --prune, --scores and --budget-params, or drop --paper.',
      );
    }
    const expansions = PAPER_EXPAND_AFTER.map((after) => ({ after, init: 'average' as const }));
    return buildPlan(m, 's', { expansions, removed: PAPER_REMOVED, refresh, trainKept: [], trainGlobals: false }, { paper: true, pruneBy: 'deepest' });
  }

  const expandWhy = `at most one new block after each of the ${shallow} shallow layers`;
  const pruneWhy = `only the ${deepLayers.length} layers of the deep half may be deleted`;
  let expand = requireCount(o.expand ?? Math.round(L / 4), 'The number of new blocks (--expand)', 0, shallow, expandWhy);
  let prune = requireCount(o.prune ?? Math.round(L / 16), 'The number of deleted layers (--prune)', 0, deepLayers.length, pruneWhy);
  if (o.budgetParameters !== undefined) {
    const maxExpand = o.expand ?? shallow;
    ({ expand, prune } = chooseWithinBudget(m, o.budgetParameters, { maxExpand, prune, maxPrune: deepLayers.length }));
  }

  const scores = o.scores && parseScores(o.scores, L);
  const scoreMetric = o.scoreMetric ?? 'angularLast';
  const removed = scores ? leastImportant(scores, scoreMetric, deepLayers, prune) : deepLayers.slice(deepLayers.length - prune);
  const expansions = spreadPositions(expand, shallow).map((after) => ({ after, init: 'average' as const }));
  return buildPlan(
    m,
    's',
    { expansions, removed, refresh, trainKept: [], trainGlobals: false },
    {
      pruneBy: scores ? 'scores' : 'deepest',
      scoreMetric: scores ? scoreMetric : null,
      budgetParameters: o.budgetParameters ?? null,
    },
    scores,
  );
}
