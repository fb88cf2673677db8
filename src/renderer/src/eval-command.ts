/**
 * The `slayer eval` and `slayer generate` command lines that repeat the Evaluate step's runs
 * (docs/cli.md), so a comparison made here can be rerun in a script or on a server.
 */
import type { JobRequestParams } from '../../shared/jobs';
import { evalCommandLine } from '../../shared/commands/eval';
import { shellQuote } from './plan-command';

/** From the eval schema: the flags that differ from their defaults, read back by `slayer eval` as the same job. */
export const evalCommand = (p: JobRequestParams<'eval'>): string => evalCommandLine(p);

export function generateCommand(p: JobRequestParams<'generate'>): string {
  const args = ['slayer', 'generate', shellQuote(p.modelDir), '--prompt', shellQuote(p.prompt)];
  const flag = (name: string, value: number | undefined) => {
    if (value !== undefined) args.push(`--${name}`, String(value));
  };
  flag('max-tokens', p.maxTokens);
  flag('temperature', p.temperature);
  flag('top-k', p.topK);
  flag('top-p', p.topP);
  flag('seed', p.seed);
  return args.join(' ');
}
