/**
 * The `slayer eval` and `slayer generate` command lines that repeat the Evaluate step's runs
 * (docs/cli.md), so a comparison made here can be rerun in a script or on a server.
 */
import type { JobRequestParams } from '../../shared/jobs';
import { evalCommandLine } from '../../shared/commands/eval';
import { generateCommandLine } from '../../shared/commands/generate';

/** From the eval schema: the flags that differ from their defaults, read back by `slayer eval` as the same job. */
export const evalCommand = (p: JobRequestParams<'eval'>): string => evalCommandLine(p);

/** From the generate schema, as evalCommand. */
export const generateCommand = (p: JobRequestParams<'generate'>): string => generateCommandLine(p);
