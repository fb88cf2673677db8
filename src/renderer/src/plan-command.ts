/**
 * The `slayer plan` command line that makes the same plan as the Plan step's settings
 * (docs/cli.md), so a plan made here can be remade in a script or on a cluster.
 */
import type { ManualLayout, PlanOptions } from '../../shared/plan';

/** The scores file `--scores` names: what `slayer score --json` writes in the Analyze step. */
export const SCORES_FILE = 'scores.json';

/** POSIX shell quoting: plain words stay as they are, anything else goes in single quotes. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

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

export function planCommand(modelDir: string, o: PlanOptions, batch: number, seqLen: number, out = 'plan.json'): string {
  const args = ['slayer', 'plan', shellQuote(modelDir), '--strategy', o.strategy];
  const flag = (name: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(`--${name}`, shellQuote(String(value)));
  };
  switch (o.strategy) {
    case 's':
      if (o.paper) args.push('--paper');
      flag('expand', o.expand);
      flag('prune-count', o.prune);
      flag('prune', o.pruneRule);
      // Only the scores and gromov rules read scores; the CLI refuses them with the deepest rule.
      if (o.scores && o.pruneRule && o.pruneRule !== 'deepest') {
        flag('scores', SCORES_FILE);
        flag('score-metric', o.scoreMetric);
      }
      flag('refresh', o.refresh);
      flag('budget-params', o.budgetParameters);
      break;
    case 'llama-pro':
      flag('expand', o.expand);
      break;
    case 'last-k':
      flag('last-k', o.lastK);
      break;
    case 'manual':
      flag('layers', layerSpec(o.layout));
      break;
    case 'full':
      break;
  }
  flag('batch', batch);
  flag('seq-len', seqLen);
  flag('out', out);
  return args.join(' ');
}
