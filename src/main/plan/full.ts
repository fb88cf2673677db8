/** Baseline: full fine-tuning — every block plus embeddings, final norm and LM head are trained. */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import { buildPlan } from './build.js';

export function fullPlan(m: ModelDescription): Plan {
  const trainKept = Array.from({ length: m.layers }, (_, i) => i);
  return buildPlan(m, 'full', { expansions: [], removed: [], refresh: 'none', trainKept, trainGlobals: true });
}
