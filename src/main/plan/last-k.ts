/**
 * Baseline: continued pre-training of the last k layers of the unchanged model. Default k =
 * round(L/4) + 1, the number of blocks the default S plan trains, so the two compare at an equal
 * trainable budget.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan, PlanOptions } from '../../shared/plan.js';
import { buildPlan } from './build.js';
import { requireCount } from './check.js';

export function lastKPlan(m: ModelDescription, o: Extract<PlanOptions, { strategy: 'last-k' }>): Plan {
  const lastK = requireCount(
    o.lastK ?? Math.round(m.layers / 4) + 1,
    'The number of trained layers (--last-k)',
    1,
    m.layers,
    `the model has ${m.layers} layers`,
  );
  const trainKept = Array.from({ length: lastK }, (_, k) => m.layers - lastK + k);
  return buildPlan(m, 'last-k', { expansions: [], removed: [], refresh: 'none', trainKept, trainGlobals: false }, { lastK });
}
