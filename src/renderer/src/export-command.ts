/** The `slayer export` command line that writes the same export as the Export step (docs/cli.md). */
import type { JobRequestParams } from '../../shared/jobs';
import { shellQuote } from './plan-command';

export function exportCommand(p: JobRequestParams<'export'>): string {
  const args = ['slayer', 'export', shellQuote(p.modelDir), '--format', p.format, '--out', shellQuote(p.out)];
  if (p.dtype) args.push('--dtype', p.dtype);
  if (p.overwrite) args.push('--force');
  return args.join(' ');
}
