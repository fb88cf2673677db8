/**
 * The `slayer eval` and `slayer generate` command lines that repeat the Evaluate step's runs
 * (docs/cli.md), so a comparison made here can be rerun in a script or on a server.
 */
import type { JobRequestParams } from '../../shared/jobs';
import { shellQuote } from './plan-command';

export function evalCommand(p: JobRequestParams<'eval'>): string {
  const args = ['slayer', 'eval', shellQuote(p.modelDir), '--data', shellQuote(p.data)];
  if (p.split) args.push('--split', p.split);
  if (p.qa) args.push('--qa', shellQuote(p.qa));
  for (const task of p.tasks ?? []) args.push('--task', shellQuote(task));
  if (p.seqLen !== undefined) args.push('--seq-len', String(p.seqLen));
  if (p.samples !== undefined) args.push('--samples', String(p.samples));
  if (p.seed !== undefined) args.push('--seed', String(p.seed));
  return args.join(' ');
}

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
