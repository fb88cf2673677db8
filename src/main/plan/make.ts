/** makePlan: the one entry point from (model, options) to a checked plan document. */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan, PlanOptions } from '../../shared/plan.js';
import { fullPlan } from './full.js';
import { lastKPlan } from './last-k.js';
import { llamaProPlan } from './llama-pro.js';
import { manualPlan } from './manual.js';
import { sStrategyPlan } from './s-strategy.js';
import { validatePlan } from './validate.js';

export function makePlan(m: ModelDescription, options: PlanOptions): Plan {
  const plan = strategyPlan(m, options);
  // The same gate an imported plan passes; it also refuses plans that would train nothing.
  return validatePlan(plan, m);
}

function strategyPlan(m: ModelDescription, o: PlanOptions): Plan {
  switch (o.strategy) {
    case 's':
      return sStrategyPlan(m, o);
    case 'llama-pro':
      return llamaProPlan(m, o);
    case 'last-k':
      return lastKPlan(m, o);
    case 'full':
      return fullPlan(m);
    case 'manual':
      return manualPlan(m, o);
  }
}
