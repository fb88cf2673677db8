/**
 * `slayer plan`: the flags that make an injection plan from a model's config.json, declared once
 * (src/shared/command-schema.ts). The Plan step shows the command line that makes its plan from
 * the same object.
 */
import { z } from 'zod';
import { commandLine, flag } from '../command-schema.js';
import { WEIGHT_DTYPES } from '../estimate.js';
import { UserError } from '../errors.js';
import { PLAN_STRATEGIES, PRUNE_RULES, REFRESH_CHOICES, SCORE_METRICS, type ManualLayout, type PlanOptions } from '../plan.js';
import { engineOptions, path } from './common.js';

/** The scores file `--scores` names in the command the Plan step shows: what `slayer score --json` writes in the Analyze step. */
export const SCORES_FILE = 'scores.json';

/** The rule's name; a bare number (the count, which is --prune-count) gets a line that says so. */
export function parsePruneRule(raw: string): string {
  if (/^\d+$/.test(raw.trim())) {
    throw new UserError(`--prune names the rule (${PRUNE_RULES.join(', ')}); give the number of layers to delete with --prune-count ${raw.trim()}.`);
  }
  return raw;
}

const count = z.number().int().min(0);

export const planSchema = z.object({
  strategy: flag(z.enum(PLAN_STRATEGIES).default('s'), {
    flag: 'strategy',
    value: PLAN_STRATEGIES.join('|'),
    description: 's: shallow expansion and deep pruning (the paper); llama-pro, last-k, full; manual: --layers SPEC',
  }),
  paper: flag(z.boolean().default(false), { flag: 'paper', description: 's: the published 32-layer layout exactly' }),
  expand: flag(count.optional(), {
    flag: 'expand',
    value: 'N',
    description: 's, llama-pro: new blocks',
    defaultText: 'L/4; for s at most one after every other shallow layer',
  }),
  pruneCount: flag(count.optional(), { flag: 'prune-count', value: 'K', description: 's: deep layers deleted', defaultText: 'L/16' }),
  pruneRule: flag(z.enum(PRUNE_RULES).optional(), {
    flag: 'prune',
    value: PRUNE_RULES.join('|'),
    description: "s: which deep layers go: the deepest (the paper's rule), or by --scores",
    defaultText: 'deepest',
    parse: parsePruneRule,
  }),
  scores: flag(path.optional(), { flag: 'scores', value: 'SCORES.json', description: 's: the layer scores --prune scores|gromov reads (slayer score --json)' }),
  scoreMetric: flag(z.enum(SCORE_METRICS).optional(), {
    flag: 'score-metric',
    value: SCORE_METRICS.join('|'),
    description: 's: the score the prune rule reads',
    defaultText: 'angularLast',
  }),
  refresh: flag(z.enum(REFRESH_CHOICES).optional(), {
    flag: 'refresh',
    value: REFRESH_CHOICES.join('|'),
    description: 's: how the new final layer is made when the layers after it are deleted',
    defaultText: 'mean',
  }),
  budgetParams: flag(z.string().min(1).optional(), {
    flag: 'budget-params',
    value: 'X',
    description: 's: as many new blocks as a parameter budget allows: a count (7.5e9) or a share of the base model (1.05x, 105%)',
  }),
  lastK: flag(count.optional(), { flag: 'last-k', value: 'K', description: 'last-k: the last K layers are trained', defaultText: 'L/4 + 1' }),
  layers: flag(z.string().min(1).optional(), {
    flag: 'layers',
    value: 'SPEC',
    description: 'manual: the layout, e.g. "expand=1,3,5:copy;prune=28-31;refresh=mean"',
  }),
  batch: flag(z.number().int().min(1).default(1), { flag: 'batch', value: 'B', description: 'sequences per training step, for the memory estimate' }),
  seqLen: flag(z.number().int().min(1).default(512), { flag: 'seq-len', value: 'T', description: 'tokens per sequence, for the memory estimate' }),
  dtype: flag(z.enum(WEIGHT_DTYPES).optional(), {
    flag: 'dtype',
    value: WEIGHT_DTYPES.join('|'),
    description: "the new model's weights type, for its size on disk",
    defaultText: 'as stored',
  }),
  gpuMemoryBytes: engineOptions.gpuMemoryBytes,
  out: flag(path.optional(), { flag: 'out', value: 'PLAN.json', description: 'save the plan for slayer apply', defaultText: 'show it only' }),
});

export type PlanFlags = z.input<typeof planSchema>;

/**
 * The manual layout as `--layers` SPEC (src/main/plan/spec.ts grammar). New blocks default to
 * average there, so only copies are marked; refresh is always written because the SPEC's own
 * default (none) is not the Plan step's.
 */
export function layerSpec(layout: ManualLayout): string {
  const clauses: string[] = [];
  if (layout.expand.length) clauses.push(`expand=${layout.expand.map((e) => (e.init === 'copy' ? `${e.after}:copy` : `${e.after}`)).join(',')}`);
  if (layout.prune.length) clauses.push(`prune=${layout.prune.join(',')}`);
  clauses.push(`refresh=${layout.refresh}`);
  return clauses.join(';');
}

/** The flags that make the plan `o` (the scores as the file the Analyze step writes), with the estimate's batch shape. */
export function planFlags(o: PlanOptions, batch: number, seqLen: number, out: string): PlanFlags {
  const shape = { strategy: o.strategy, batch, seqLen, out };
  switch (o.strategy) {
    case 's': {
      // Only the scores and gromov rules read scores; the command line refuses them with the deepest rule.
      const scored = o.scores && o.pruneRule && o.pruneRule !== 'deepest';
      return {
        ...shape,
        paper: o.paper,
        expand: o.expand,
        pruneCount: o.prune,
        pruneRule: o.pruneRule,
        ...(scored ? { scores: SCORES_FILE, scoreMetric: o.scoreMetric } : {}),
        refresh: o.refresh,
        budgetParams: o.budgetParameters === undefined ? undefined : String(o.budgetParameters),
      };
    }
    case 'llama-pro':
      return { ...shape, expand: o.expand };
    case 'last-k':
      return { ...shape, lastK: o.lastK };
    case 'manual':
      return { ...shape, layers: layerSpec(o.layout) };
    case 'full':
      return shape;
  }
}

/** The `slayer plan` command line that makes the plan `o`; it always names the strategy, the batch shape and the output. */
export function planCommandLine(modelDir: string, o: PlanOptions, batch: number, seqLen: number, out = 'plan.json'): string {
  return commandLine(['slayer', 'plan', modelDir], planSchema, planSchema.parse(planFlags(o, batch, seqLen, out)), ['strategy', 'batch', 'seqLen']);
}
