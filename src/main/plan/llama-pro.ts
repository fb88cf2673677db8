/**
 * LLaMA Pro block expansion (a baseline, docs/training.md): N copies spread evenly
 * through the whole stack, each a copy of the layer before it with its residual outputs zeroed;
 * only the copies are trained. Default N = round(L/4), i.e. LLaMA Pro's 8 for 32 layers.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan, PlanOptions } from '../../shared/plan.js';
import { buildPlan } from './build.js';
import { requireCount } from './check.js';
import { spreadPositions } from './positions.js';

export function llamaProPlan(m: ModelDescription, o: Extract<PlanOptions, { strategy: 'llama-pro' }>): Plan {
  const expand = requireCount(o.expand ?? Math.round(m.layers / 4), 'The number of new blocks (--expand)', 1, m.layers, 'at most one copy after each layer');
  const expansions = spreadPositions(expand, m.layers).map((after) => ({ after, init: 'copy' as const }));
  return buildPlan(m, 'llama-pro', { expansions, removed: [], refresh: 'none', trainKept: [], trainGlobals: false });
}
