/**
 * The `slayer apply` and `slayer train` command lines that repeat the Inject step's jobs
 * (docs/cli.md), so an injection set up here can run in a script or on a bigger machine.
 */
import type { JobRequestParams } from '../../shared/jobs';
import { trainCommandLine } from '../../shared/commands/train';
import { shellQuote } from './plan-command';

export function applyCommand(planFile: string, p: JobRequestParams<'apply'>): string {
  const args = ['slayer', 'apply', shellQuote(planFile), '--model', shellQuote(p.modelDir), '--out', shellQuote(p.out)];
  if (p.overwrite) args.push('--force');
  return args.join(' ');
}

/** The command line that runs the 'train' job `p`, from the training schema (settings left at their defaults are left out). */
export const trainCommand = (p: JobRequestParams<'train'>): string => trainCommandLine(p);
