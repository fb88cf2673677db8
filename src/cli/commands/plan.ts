/**
 * `slayer plan`: make an injection plan from a model's config.json alone (no weights needed),
 * show it, and with --out save it for `slayer apply`.
 */
import { UserError } from '../../shared/errors.js';
import type { Plan, PlanOptions, PlanStrategy } from '../../shared/plan.js';
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { planSchema } from '../../shared/commands/plan.js';
import { readModelConfig } from '../../main/model/config.js';
import { modelParameters } from '../../main/model/tensors.js';
import { estimatePlan, formatEstimate, formatPlan, makePlan, parseLayerSpec, readScores, writePlanFile } from '../../main/plan/index.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { describeGpu } from '../../main/engine/gpu-adapter.js';
import { PRUNE_DETAILS } from '../prune-flag.js';

const USAGE = 'slayer plan MODEL_OR_CONFIG --strategy s|llama-pro|last-k|full|manual [options] [--out PLAN.json] [--json]';

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
  options: parseArgsOptions(planSchema),
  optionHelp: helpLines(planSchema),
  async run(positionals, values, ctx) {
    const source = requirePositional(positionals, 0, 'the model folder or its config.json', USAGE);
    // A flag of another strategy is named before its value is read.
    const { strategy } = parseFlags(planSchema.pick({ strategy: true }), { strategy: values.strategy }, {}, USAGE);
    for (const [flag, strategies] of Object.entries(FLAG_STRATEGIES)) {
      if (values[flag] !== undefined && !strategies.includes(strategy)) {
        throw new UserError(`--${flag} does not apply to --strategy ${strategy} (only to ${strategies.join(', ')}).`);
      }
    }
    const flags = parseFlags(planSchema, values, {}, USAGE);
    const m = await readModelConfig(source);

    let options: PlanOptions;
    if (strategy === 's') {
      const pruneRule = flags.pruneRule ?? 'deepest';
      if (pruneRule === 'deepest' && (flags.scores !== undefined || flags.scoreMetric !== undefined)) {
        throw new UserError(
          `--scores and --score-metric are read by --prune scores or --prune gromov; the ${flags.pruneRule === undefined ? "default rule, deepest (the paper's)," : 'deepest rule'} does not use them. Add --prune scores or --prune gromov, or leave them out.`,
        );
      }
      options = {
        strategy,
        paper: flags.paper,
        expand: flags.expand,
        prune: flags.pruneCount,
        pruneRule,
        scores: flags.scores === undefined ? undefined : await readScores(flags.scores, m.layers),
        scoreMetric: flags.scoreMetric ?? 'angularLast',
        refresh: flags.refresh ?? 'mean',
        budgetParameters: flags.budgetParams === undefined ? undefined : parseBudget(flags.budgetParams, modelParameters(m)),
      };
    } else if (strategy === 'llama-pro') {
      options = { strategy, expand: flags.expand };
    } else if (strategy === 'last-k') {
      options = { strategy, lastK: flags.lastK };
    } else if (strategy === 'manual') {
      const spec = flags.layers;
      if (spec === undefined)
        throw new UserError(`--strategy manual needs --layers SPEC, e.g. --layers "expand=1,3,5;prune=30,31;refresh=mean". Usage: ${USAGE}`);
      options = { strategy, layout: parseLayerSpec(spec), spec };
    } else {
      options = { strategy };
    }
    const plan = makePlan(m, options);

    const estimate = estimatePlan(plan, m, { batch: flags.batch, seqLen: flags.seqLen, dtype: flags.dtype, gpu: await describeGpu(flags.gpuMemoryBytes) });
    ctx.info(formatEstimate(estimate));
    const { out } = flags;
    if (out === undefined) ctx.info('Preview only: add --out PLAN.json to save this plan.');
    else {
      await writePlanFile(out, plan);
      ctx.info(`Wrote ${out}`);
    }
    return plan;
  },
  format: formatPlan,
};
