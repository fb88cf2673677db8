/**
 * The injection plan: a versioned JSON document that says, layer by layer, what the new model is
 * made of. The UI edits it, the CLI writes it (`slayer plan`), the surgery executes it
 * (`slayer apply`) and the report records it. Everything the surgery needs is explicit data here,
 * so it never has to re-derive a strategy. Indices are 0-based: `layers[].index` in the resulting
 * model, every other index (source, init.from, removed) in the ORIGINAL model.
 *
 * Types only (no Node imports): the renderer imports this file too.
 */

import type { ModelShape } from './model.js';

export const PLAN_VERSION = 1;

export const PLAN_STRATEGIES = ['s', 'llama-pro', 'last-k', 'full', 'manual'] as const;
export type PlanStrategy = (typeof PLAN_STRATEGIES)[number];

export type LayerKind = 'kept' | 'new' | 'refreshed';

/**
 * How the tensors of one resulting block are made, for every block tensor suffix of the model
 * (input_layernorm.weight, self_attn.q_proj.weight, ..., biases where the model has them):
 *
 *   W[suffix] = 0                                    if suffix is in `zeroed`
 *   W[suffix] = (1/|from|) * sum_{j in from} W_j[suffix]   otherwise (element-wise, original layers)
 *
 * `method` names the case for people; the rule above is the same for all three:
 * "copy" has one source, "average" two adjacent sources (interpolation), "mean-of" one or more
 * (the refreshed final block).
 */
export type InitMethod = 'copy' | 'average' | 'mean-of';

export interface LayerInit {
  method: InitMethod;
  /** Original 0-based layer indices whose tensors are averaged. */
  from: number[];
  /** Block tensor suffixes (e.g. "self_attn.o_proj.weight") set to zero after averaging. */
  zeroed: string[];
}

export interface PlanLayer {
  /** 0-based index in the resulting model; equals the position in `Plan.layers`. */
  index: number;
  /** Original index of a kept or refreshed block; the original indices a new block comes from. */
  source: number | number[];
  kind: LayerKind;
  trainable: boolean;
  init: LayerInit;
}

/** The model the plan was made for: enough to refuse a plan applied to a different model. */
export interface PlanBase extends ModelShape {
  parameters: number;
  attentionBias: boolean;
  mlpBias: boolean;
}

export interface PlanCounts {
  layers: number;
  parameters: number;
  trainableParameters: number;
}

export const SCORE_METRICS = ['angularLast', 'angularMean', 'blockInfluence'] as const;
export type ScoreMetric = (typeof SCORE_METRICS)[number];

/** One block's importance numbers, as `slayer score --json` reports them. */
export interface LayerScore {
  index: number;
  angularLast: number;
  angularMean: number;
  blockInfluence: number;
}

/**
 * Distances across n consecutive blocks (Gromov et al.): entry l compares h_l, the state entering
 * block l, with h_{l+n}, the state leaving block l+n-1, with the same three metrics as a single
 * block. A small value says blocks l .. l+n-1 together change the representation little, so
 * removing that run skips little. One entry per start l = 0 .. L-n; n = 1 is `layers` itself.
 */
export interface SpanScores {
  span: number;
  layers: LayerScore[];
}

/** The scores a plan was chosen from (the `slayer score --json` document). */
export interface LayerScores {
  layers: LayerScore[];
  /** n-layer distances for the spans that were measured (absent when none were). */
  spans?: SpanScores[];
  samples: number;
  seqLen: number;
  dataHash: string;
}

/** Only the fields of a scores document (a score result carries timings, paths and more). */
export function layerScoresOf(s: LayerScores): LayerScores {
  const entry = ({ index, angularLast, angularMean, blockInfluence }: LayerScore): LayerScore => ({ index, angularLast, angularMean, blockInfluence });
  return {
    layers: s.layers.map(entry),
    ...(s.spans?.length ? { spans: s.spans.map((x) => ({ span: x.span, layers: x.layers.map(entry) })) } : {}),
    samples: s.samples,
    seqLen: s.seqLen,
    dataHash: s.dataHash,
  };
}

/** What the new final block starts from: mean with the removed layers after it, itself, or no refresh. */
export const REFRESH_CHOICES = ['mean', 'keep', 'none'] as const;
export type RefreshChoice = (typeof REFRESH_CHOICES)[number];

export type ExpansionInit = 'copy' | 'average';

/** One new block, placed right after original layer `after`. */
export interface Expansion {
  after: number;
  init: ExpansionInit;
}

/**
 * How the S strategy chooses the layers it deletes, always recorded in the plan:
 *   deepest  the K deepest layers (the paper's rule, the default);
 *   scores   the K deep-half layers with the lowest single-layer score (ShortGPT-like);
 *   gromov   the run of K consecutive deep-half layers l .. l+K-1 with the lowest d(h_l, h_{l+K})
 *            (Gromov et al.), i.e. whose removal changes the representation least.
 */
export const PRUNE_RULES = ['deepest', 'scores', 'gromov'] as const;
export type PruneRule = (typeof PRUNE_RULES)[number];
/** How a plan's removed layers were chosen: by a rule, or listed by the person (manual plans). */
export type PruneBy = PruneRule | 'list';

/** The refreshed layer averages itself with at most this many deleted layers (see refreshInit). */
export const MAX_REFRESH_DELETED = 2;

/** The settings a plan was made with, so it can be re-made or explained. */
export interface PlanSettings {
  paper: boolean;
  expand: number;
  expandAfter: number[];
  prune: number;
  pruneBy: PruneBy;
  /** The metric the scores or gromov rule read; null when no scores were read. */
  scoreMetric: ScoreMetric | null;
  refresh: RefreshChoice;
  lastK: number | null;
  budgetParameters: number | null;
  /** The manual `--layers` SPEC, when the plan came from one. */
  spec: string | null;
}

export interface Plan {
  version: typeof PLAN_VERSION;
  strategy: PlanStrategy;
  base: PlanBase;
  layers: PlanLayer[];
  /** Original indices deleted, ascending. */
  removed: number[];
  /** Embeddings, final norm and LM head are trained too (full fine-tuning only). */
  trainGlobals: boolean;
  counts: PlanCounts;
  scores?: LayerScores;
  settings: PlanSettings;
  /**
   * Choices the layout alone does not explain, in words: which rule pruned and why those layers,
   * why a refreshed layer is a copy rather than a mean, where a mean was capped.
   */
  notes: string[];
}

/** A manual plan as explicit lists (the `--layers` SPEC parses into this; the UI edits it directly). */
export interface ManualLayout {
  expand: Expansion[];
  prune: number[];
  refresh: RefreshChoice;
}

/** What `makePlan` is asked for; every field left out takes the documented default. */
export type PlanOptions =
  | {
      strategy: 's';
      /** Reproduce the published 32-layer layout exactly (refuses other depths and overrides). */
      paper?: boolean;
      expand?: number;
      /** How many deep layers to delete. */
      prune?: number;
      /** Which layers to delete (default deepest, the paper's rule). */
      pruneRule?: PruneRule;
      scores?: LayerScores;
      scoreMetric?: ScoreMetric;
      refresh?: RefreshChoice;
      /** Keep the total parameter count at or below this; expansion is maximised within it. */
      budgetParameters?: number;
    }
  | { strategy: 'llama-pro'; expand?: number }
  | { strategy: 'last-k'; lastK?: number }
  | { strategy: 'full' }
  | { strategy: 'manual'; layout: ManualLayout; spec?: string };

/**
 * First layer of the deep half. For an odd depth the middle layer counts as shallow, so the S
 * strategy may expand after it but never prunes it (erring on the side of keeping shallow layers,
 * which the paper finds matter most).
 */
export function firstDeepLayer(layers: number): number {
  return Math.ceil(layers / 2);
}

/**
 * True when the plan's composition is the base model itself: nothing deleted and no layer re-made
 * from several (only identity blocks added, or kept layers trained). Its built model then computes
 * exactly the base model's function, which the surgery's function check confirms.
 */
export function keepsBaseFunction(plan: Pick<Plan, 'removed' | 'layers'>): boolean {
  return plan.removed.length === 0 && plan.layers.every((l) => l.kind === 'new' || l.init.from.length === 1);
}
