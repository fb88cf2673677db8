/**
 * Manual plans: the person names every insertion, deletion and the refresh. Nothing is chosen
 * for them, so the only checks are that the lists describe a model that can exist. New blocks
 * and the refreshed block are trained; all other layers stay frozen.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { Plan, PlanOptions } from '../../shared/plan.js';
import { buildPlan } from './build.js';

export function manualPlan(m: ModelDescription, o: Extract<PlanOptions, { strategy: 'manual' }>): Plan {
  const { expand, prune, refresh } = o.layout;
  const range = `this model has layers 0-${m.layers - 1}`;
  const firstDuplicate = (xs: number[]) => xs.find((x, k) => xs.indexOf(x) !== k);

  for (const i of [...expand.map((e) => e.after), ...prune]) {
    if (!Number.isInteger(i) || i < 0 || i >= m.layers) throw new UserError(`Manual plan: layer ${i} does not exist (${range}; indices are 0-based).`);
  }
  const twiceExpanded = firstDuplicate(expand.map((e) => e.after));
  if (twiceExpanded !== undefined) throw new UserError(`Manual plan: layer ${twiceExpanded} is listed twice to expand after; one new block per position.`);
  const twicePruned = firstDuplicate(prune);
  if (twicePruned !== undefined) throw new UserError(`Manual plan: layer ${twicePruned} is listed twice to prune.`);
  if (prune.length === m.layers) throw new UserError(`Manual plan: it prunes all ${m.layers} layers; keep at least one.`);
  const afterRemoved = expand.find((e) => prune.includes(e.after));
  if (afterRemoved) {
    throw new UserError(
      `Manual plan: it expands after layer ${afterRemoved.after}, which it also prunes. Expand after a layer that stays, or keep that layer.`,
    );
  }
  return buildPlan(m, 'manual', { expansions: expand, removed: prune, refresh, trainKept: [], trainGlobals: false }, { pruneBy: 'list', spec: o.spec ?? null });
}
