/**
 * The `slayer apply` and `slayer train` command lines that repeat the Inject step's jobs
 * (docs/cli.md), so an injection set up here can run in a script or on a bigger machine.
 */
import type { JobRequestParams } from '../../shared/jobs';
import { applyCommandLine } from '../../shared/commands/apply';
import { trainCommandLine } from '../../shared/commands/train';

/** The command line that runs the 'apply' job `p` on the plan file, from the apply schema. */
export const applyCommand = (planFile: string, p: JobRequestParams<'apply'>): string => applyCommandLine(planFile, p);

/** The command line that runs the 'train' job `p`, from the training schema (settings left at their defaults are left out). */
export const trainCommand = (p: JobRequestParams<'train'>): string => trainCommandLine(p);
