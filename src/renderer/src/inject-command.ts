/**
 * The `slayer apply` and `slayer train` command lines that repeat the Inject step's jobs
 * (docs/cli.md), so an injection set up here can run in a script or on a bigger machine.
 */
import type { JobRequestParams } from '../../shared/jobs';
import { shellQuote } from './plan-command';

export function applyCommand(planFile: string, p: JobRequestParams<'apply'>): string {
  const args = ['slayer', 'apply', shellQuote(planFile), '--model', shellQuote(p.modelDir), '--out', shellQuote(p.out)];
  if (p.overwrite) args.push('--force');
  return args.join(' ');
}

export function trainCommand(p: JobRequestParams<'train'>): string {
  const args = ['slayer', 'train', shellQuote(p.modelDir), '--data', shellQuote(p.data), '--out', shellQuote(p.out)];
  const flag = (name: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(`--${name}`, shellQuote(String(value)));
  };
  flag('split', p.split);
  flag('steps', p.steps);
  flag('seq-len', p.seqLen);
  flag('batch', p.batch);
  flag('grad-accum', p.gradAccum);
  flag('lr', p.lr);
  flag('warmup', p.warmup);
  flag('schedule', p.schedule);
  flag('weight-decay', p.weightDecay);
  flag('clip', p.clip);
  flag('optimizer', p.optimizer);
  // auto (the layers slayer.json marks trainable) is the command's default.
  if (p.trainable !== undefined && p.trainable !== 'auto') flag('trainable', Array.isArray(p.trainable) ? p.trainable.join(',') : p.trainable);
  flag('seed', p.seed);
  if (p.shuffle === false) args.push('--no-shuffle');
  for (const data of p.evalData ?? []) flag('eval-data', data);
  flag('eval-every', p.evalEvery);
  flag('checkpoint-every', p.checkpointEvery);
  flag('dtype', p.dtype);
  if (p.resume) args.push('--resume');
  if (p.overwrite) args.push('--force');
  return args.join(' ');
}
