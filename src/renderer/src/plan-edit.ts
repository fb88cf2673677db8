/**
 * How the Plan step turns a plan back into the options that make it, and applies the layer-map
 * edits. Edits always produce a manual layout (explicit lists), which main turns into a checked
 * plan with plan.make; nothing here decides whether a layout is valid.
 */
import type { ExpansionInit, ManualLayout, Plan, PlanOptions } from '../../shared/plan';

/** One click on the layer map: toggle a new block after an original layer, or toggle deleting one. */
export type LayerEdit = { kind: 'expand'; after: number } | { kind: 'prune'; layer: number };

/** The plan as explicit lists. A new block always comes right after the first layer it is made from. */
export function layoutOf(plan: Plan): ManualLayout {
  return {
    expand: plan.layers
      .filter((l) => l.kind === 'new')
      .map((l) => ({ after: l.init.from[0], init: (l.init.method === 'average' ? 'average' : 'copy') as ExpansionInit })),
    prune: [...plan.removed],
    refresh: plan.settings.refresh,
  };
}

/**
 * The layout after one edit. A new block starts as the interpolation of its two neighbours,
 * the S strategy's choice (docs/s-strategy.md).
 */
export function applyEdit(layout: ManualLayout, edit: LayerEdit): ManualLayout {
  if (edit.kind === 'expand') {
    const present = layout.expand.some((e) => e.after === edit.after);
    const expand = present ? layout.expand.filter((e) => e.after !== edit.after) : [...layout.expand, { after: edit.after, init: 'average' as const }];
    return { ...layout, expand: expand.sort((a, b) => a.after - b.after) };
  }
  const present = layout.prune.includes(edit.layer);
  const prune = present ? layout.prune.filter((p) => p !== edit.layer) : [...layout.prune, edit.layer];
  return { ...layout, prune: prune.sort((a, b) => a - b) };
}

/** The options that make this plan again with its own strategy (used for saved and imported plans). */
export function optionsOf(plan: Plan): PlanOptions {
  const s = plan.settings;
  switch (plan.strategy) {
    case 's':
      if (s.paper) return { strategy: 's', paper: true, refresh: s.refresh };
      return {
        strategy: 's',
        expand: s.expand,
        prune: s.prune,
        ...(s.pruneBy !== 'list' ? { pruneRule: s.pruneBy } : {}),
        refresh: s.refresh,
        ...(plan.scores ? { scores: plan.scores, scoreMetric: s.scoreMetric ?? undefined } : {}),
        ...(s.budgetParameters !== null ? { budgetParameters: s.budgetParameters } : {}),
      };
    case 'llama-pro':
      return { strategy: 'llama-pro', expand: s.expand };
    case 'last-k':
      return { strategy: 'last-k', lastK: s.lastK ?? undefined };
    case 'full':
      return { strategy: 'full' };
    case 'manual':
      return { strategy: 'manual', layout: layoutOf(plan) };
  }
}

/** What makes two plans the same model: the layer map, the deletions and what trains. */
export function planShape(plan: Plan): string {
  return JSON.stringify([plan.strategy, plan.layers, plan.removed, plan.trainGlobals]);
}
