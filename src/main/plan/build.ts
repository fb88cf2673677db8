/**
 * Layout -> plan document. Every strategy decides only a Layout (what to insert, delete,
 * refresh and train); this one function turns it into the explicit layer map and counts, so all
 * strategies number layers and initialise blocks the same way.
 */
import type { ModelDescription } from '../../shared/model.js';
import {
  PLAN_VERSION,
  type Expansion,
  type LayerScores,
  type Plan,
  type PlanBase,
  type PlanLayer,
  type PlanSettings,
  type PlanStrategy,
  type RefreshChoice,
} from '../../shared/plan.js';
import { modelParameters, modelShape } from '../model/tensors.js';
import { planCounts } from './counts.js';
import { keptInit, newBlockInit, refreshInit } from './init.js';

export interface Layout {
  /** At most one new block after each original layer; never after a removed one. */
  expansions: Expansion[];
  /** Original indices to delete; at least one layer must stay. */
  removed: number[];
  refresh: RefreshChoice;
  /** Original indices of kept blocks trained as they are (last-k, full). */
  trainKept: number[];
  trainGlobals: boolean;
  /** Why the strategy chose this layout, in words (e.g. which rule deleted the layers). */
  notes?: string[];
}

/** The settings that are not visible in the layout itself: how it was chosen. */
export type LayoutChoices = Partial<Pick<PlanSettings, 'paper' | 'pruneBy' | 'scoreMetric' | 'lastK' | 'budgetParameters' | 'spec'>>;

export function planBase(m: ModelDescription): PlanBase {
  return {
    ...modelShape(m),
    parameters: modelParameters(m),
    attentionBias: m.attentionBias,
    mlpBias: m.mlpBias,
  };
}

export function buildPlan(m: ModelDescription, strategy: PlanStrategy, layout: Layout, choices: LayoutChoices = {}, scores?: LayerScores): Plan {
  const removed = [...layout.removed].sort((a, b) => a - b);
  const isRemoved = new Set(removed);
  const trainKept = new Set(layout.trainKept);
  const expansionAfter = new Map(layout.expansions.map((e) => [e.after, e]));
  const kept = Array.from({ length: m.layers }, (_, i) => i).filter((i) => !isRemoved.has(i));
  const lastKept = kept[kept.length - 1];
  const refresh = layout.refresh;

  const layers: PlanLayer[] = [];
  const notes = [...(layout.notes ?? [])];
  const push = (layer: Omit<PlanLayer, 'index'>) => layers.push({ index: layers.length, ...layer });
  for (let i = 0; i < m.layers; i++) {
    if (refresh !== 'none' && i === lastKept) {
      const { init, note } = refreshInit(i, removed, refresh);
      push({ source: i, kind: 'refreshed', trainable: true, init });
      notes.push(note);
    } else if (!isRemoved.has(i)) {
      push({ source: i, kind: 'kept', trainable: trainKept.has(i), init: keptInit(i) });
    }
    const e = expansionAfter.get(i);
    if (e) {
      const init = newBlockInit(m, e);
      push({ source: init.from, kind: 'new', trainable: true, init });
      if (e.init === 'average' && init.method === 'copy') {
        notes.push(`The new block after layer ${i} is a copy of it: layer ${i} is the last one, so there is no next layer to average with.`);
      }
    }
  }

  const plan: Plan = {
    version: PLAN_VERSION,
    strategy,
    base: planBase(m),
    layers,
    removed,
    trainGlobals: layout.trainGlobals,
    counts: planCounts(m, layers, layout.trainGlobals),
    settings: {
      paper: false,
      expand: layout.expansions.length,
      expandAfter: layout.expansions.map((e) => e.after).sort((a, b) => a - b),
      prune: removed.length,
      pruneBy: 'list',
      scoreMetric: null,
      refresh: layout.refresh,
      lastK: null,
      budgetParameters: null,
      spec: null,
      ...choices,
    },
    notes,
  };
  if (scores) plan.scores = scores;
  return plan;
}
