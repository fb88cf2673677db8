/**
 * `slayer plan`: make an injection plan from a model's config.json alone (no weights needed),
 * show it, and with --out save it for `slayer apply`.
 */
import { UserError } from '../../shared/errors.js';
import { PLAN_STRATEGIES, REFRESH_CHOICES, SCORE_METRICS, type Plan, type PlanOptions, type PlanStrategy } from '../../shared/plan.js';
import { readModelConfig } from '../../main/model/config.js';
import { modelParameters } from '../../main/model/tensors.js';
import { estimatePlan, formatEstimate, formatPlan, makePlan, parseLayerSpec, readScores, writePlanFile } from '../../main/plan/index.js';
import { WEIGHT_DTYPES } from '../../shared/estimate.js';
import type { Command } from '../command.js';
import { bytesFlag, choiceFlag, numberFlag, requirePositional, stringFlag } from '../args.js';
import { describeGpu } from '../../main/engine/gpu-adapter.js';
import { PRUNE_DETAILS, PRUNE_USAGE, pruneRuleFlag } from '../prune-flag.js';

const USAGE = `slayer plan MODEL_OR_CONFIG --strategy s|llama-pro|last-k|full|manual [--paper] [--expand N] [--prune-count K] ${PRUNE_USAGE} [--scores SCORES.json] [--score-metric M] [--refresh mean|keep|none] [--budget-params X] [--last-k K] [--layers SPEC] [--out PLAN.json] [--json]`;

/** Which strategy each strategy-specific flag belongs to, so a misplaced flag is an error rather than silently ignored. */
const FLAG_STRATEGIES: Record<string, readonly PlanStrategy[]> = {
  paper: ['s'],
  expand: ['s', 'llama-pro'],
  prune: ['s'],
  'prune-count': ['s'],
  scores: ['s'],
  'score-metric': ['s'],
  refresh: ['s'],
  'budget-params': ['s'],
  'last-k': ['last-k'],
  layers: ['manual'],
};

/** "7.5e9" (parameters), "1.05x" or "105%" (relative to the base model). */
export function parseBudget(raw: string, baseParameters: number): number {
  const m = /^([0-9.]+(?:e[+-]?\d+)?)(x|%)?$/i.exec(raw.trim());
  const value = m ? Number(m[1]) : NaN;
  if (!m || !Number.isFinite(value) || value <= 0) {
    throw new UserError(`--budget-params must be a parameter count (7.5e9) or a share of the base model (1.05x or 105%), got "${raw}".`);
  }
  if (m[2] === undefined) return Math.floor(value);
  return Math.floor((m[2] === '%' ? value / 100 : value) * baseParameters);
}

export const planCommand: Command<Plan> = {
  usage: USAGE,
  details: [
    'Strategies: s (shallow expansion + deep pruning, the default), llama-pro, last-k, full, manual.',
    'All layer indices are 0-based. Without --out the plan is only shown, nothing is written.',
    'S strategy: --expand N new blocks after every other shallow layer (default L/4, at most half the shallow half),',
    '  --prune-count K deep layers deleted (default L/16), --refresh of the new final layer (mean: with at most 2',
    '  deleted layers that followed it; keep; none). --paper: the published 32-layer layout.',
    "  --budget-params 7.5e9 | 1.05x: as many new blocks as the budget allows. The plan's notes say why each choice.",
    ...PRUNE_DETAILS,
    '--score-metric angularLast|angularMean|blockInfluence picks the score the rule reads (default angularLast).',
    'Manual SPEC: expand=1,3,5:copy;prune=28-31;refresh=mean;init=average',
    '  (expand after these original layers, ranges include both ends, init copy|average per block).',
    'Estimate: --batch B (1) --seq-len T (512) for training memory, --dtype f32|f16|bf16 for disk size; training on a GPU in',
    "  both layouts, judged against this machine's GPU (--gpu-memory SIZE where its driver does not report it).",
  ],
  options: {
    strategy: { type: 'string' },
    paper: { type: 'boolean' },
    expand: { type: 'string' },
    prune: { type: 'string' },
    'prune-count': { type: 'string' },
    scores: { type: 'string' },
    'score-metric': { type: 'string' },
    refresh: { type: 'string' },
    'budget-params': { type: 'string' },
    'last-k': { type: 'string' },
    layers: { type: 'string' },
    out: { type: 'string' },
    batch: { type: 'string' },
    'seq-len': { type: 'string' },
    dtype: { type: 'string' },
    'gpu-memory': { type: 'string' },
  },
  async run(positionals, values, ctx) {
    const source = requirePositional(positionals, 0, 'the model folder or its config.json', USAGE);
    const strategy = choiceFlag(values, 'strategy', PLAN_STRATEGIES, 's');
    for (const [flag, strategies] of Object.entries(FLAG_STRATEGIES)) {
      if (values[flag] !== undefined && !strategies.includes(strategy)) {
        throw new UserError(`--${flag} does not apply to --strategy ${strategy} (only to ${strategies.join(', ')}).`);
      }
    }
    const m = await readModelConfig(source);
    const count = (flag: string) => (values[flag] === undefined ? undefined : numberFlag(values, flag, 0, { min: 0, integer: true }));

    let options: PlanOptions;
    if (strategy === 's') {
      const scoresFile = stringFlag(values, 'scores');
      const budget = stringFlag(values, 'budget-params');
      const pruneRule = pruneRuleFlag(values);
      if (pruneRule === 'deepest' && (scoresFile !== undefined || values['score-metric'] !== undefined)) {
        throw new UserError(
          `--scores and --score-metric are read by --prune scores or --prune gromov; the ${values.prune === undefined ? "default rule, deepest (the paper's)," : 'deepest rule'} does not use them. Add --prune scores or --prune gromov, or leave them out.`,
        );
      }
      options = {
        strategy,
        paper: values.paper === true,
        expand: count('expand'),
        prune: count('prune-count'),
        pruneRule,
        scores: scoresFile === undefined ? undefined : await readScores(scoresFile, m.layers),
        scoreMetric: choiceFlag(values, 'score-metric', SCORE_METRICS, 'angularLast'),
        refresh: choiceFlag(values, 'refresh', REFRESH_CHOICES, 'mean'),
        budgetParameters: budget === undefined ? undefined : parseBudget(budget, modelParameters(m)),
      };
    } else if (strategy === 'llama-pro') {
      options = { strategy, expand: count('expand') };
    } else if (strategy === 'last-k') {
      options = { strategy, lastK: count('last-k') };
    } else if (strategy === 'manual') {
      const spec = stringFlag(values, 'layers');
      if (spec === undefined)
        throw new UserError(`--strategy manual needs --layers SPEC, e.g. --layers "expand=1,3,5;prune=30,31;refresh=mean". Usage: ${USAGE}`);
      options = { strategy, layout: parseLayerSpec(spec), spec };
    } else {
      options = { strategy };
    }
    const plan = makePlan(m, options);

    const estimate = estimatePlan(plan, m, {
      batch: numberFlag(values, 'batch', 1, { min: 1, integer: true }),
      seqLen: numberFlag(values, 'seq-len', 512, { min: 1, integer: true }),
      dtype: values.dtype === undefined ? undefined : choiceFlag(values, 'dtype', WEIGHT_DTYPES, 'f32'),
      gpu: await describeGpu(bytesFlag(values, 'gpu-memory')),
    });
    ctx.info(formatEstimate(estimate));
    const out = stringFlag(values, 'out');
    if (out === undefined) ctx.info('Preview only: add --out PLAN.json to save this plan.');
    else {
      await writePlanFile(out, plan);
      ctx.info(`Wrote ${out}`);
    }
    return plan;
  },
  format: formatPlan,
};
