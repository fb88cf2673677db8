/** `--prune RULE` of `slayer plan` and `slayer run`: which deep layers the S strategy deletes. */
import { parsePruneRule } from '../shared/commands/run.js';
import { PRUNE_RULES, type PruneRule } from '../shared/plan.js';
import { choiceFlag } from './args.js';

type Values = Record<string, string | boolean | string[] | undefined>;

export const PRUNE_USAGE = '[--prune deepest|scores|gromov]';
export const PRUNE_DETAILS = [
  "--prune deepest|scores|gromov: which deep layers go (recorded in the plan). deepest: the K deepest, the paper's rule (default);",
  '  scores: the K deep-half layers with the lowest single-layer score; gromov: the run of K layers l..l+K-1 with the lowest',
  '  d(h_l, h_l+K) (Gromov et al.). scores and gromov read --scores (slayer score --json; gromov needs --spans K there).',
];

/** The rule, or the default; a bare number (the count, given with --prune-count) gets a line that says so. */
export function pruneRuleFlag(values: Values): PruneRule {
  if (typeof values.prune === 'string') parsePruneRule(values.prune);
  return choiceFlag(values, 'prune', PRUNE_RULES, 'deepest');
}
