/**
 * This machine's speed, as earlier jobs in this data folder measured it: every finished analysis,
 * evaluation, training, surgery and export records its tokens or bytes and its seconds. Speeds are
 * kept per execution provider (a GPU is measured apart from the CPU) and the median of the most
 * recent jobs is used, so one run on a busy machine does not set the estimate alone.
 */
import type { JobRecord } from '../../shared/jobs.js';
import type { MachineSpeed } from '../../shared/job-estimate.js';

/** Jobs of each kind the median is taken over, newest first. */
export const RECENT_JOBS = 5;

/** One finished job's measurement: parameter-tokens (forward or training) or bytes written, and the seconds it took. */
export interface Measurement {
  kind: 'forward' | 'train' | 'apply' | 'export';
  provider: string;
  amount: number;
  seconds: number;
  endedAt: string;
}

/** Parameters of the model in a folder, or null when its config can no longer be read. */
export type ParametersOf = (modelDir: string) => Promise<number | null>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** The measurement a finished job carries, if any; jobs from before a field was recorded are skipped. */
export async function measurementOf(job: JobRecord, parametersOf: ParametersOf): Promise<Measurement | null> {
  if (job.state !== 'succeeded' || !job.endedAt) return null;
  const r = obj(job.result);
  const seconds = num(r.seconds);
  if (!seconds) return null;
  const provider = typeof r.provider === 'string' ? r.provider : 'cpu';
  const base = { provider, seconds, endedAt: job.endedAt };
  if (job.kind === 'score' || job.kind === 'eval') {
    const dir = obj(r.model).dir;
    const tokens = num(r.tokens);
    const parameters = typeof dir === 'string' ? await parametersOf(dir) : null;
    return tokens && parameters ? { ...base, kind: 'forward', amount: tokens * parameters } : null;
  }
  if (job.kind === 'train') {
    const tps = num(r.tokensPerSecond);
    const dir = obj(job.params).modelDir;
    const parameters = typeof dir === 'string' ? await parametersOf(dir) : null;
    // tokensPerSecond excludes evaluation and checkpoints: the speed is per second of training.
    return tps && parameters ? { ...base, kind: 'train', amount: tps * parameters, seconds: 1 } : null;
  }
  if (job.kind === 'apply' || job.kind === 'export') {
    const bytes = num(r.bytesWritten);
    return bytes ? { ...base, kind: job.kind, provider: 'disk', amount: bytes } : null;
  }
  return null;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median rate (amount per second) of the newest RECENT_JOBS measurements of each kind and provider. */
export function speedFrom(measurements: readonly Measurement[]): MachineSpeed {
  const groups = new Map<string, number[]>();
  const newestFirst = [...measurements].sort((a, b) => b.endedAt.localeCompare(a.endedAt));
  for (const m of newestFirst) {
    const key = `${m.kind}/${m.provider}`;
    const rates = groups.get(key) ?? [];
    if (rates.length < RECENT_JOBS) rates.push(m.amount / m.seconds);
    groups.set(key, rates);
  }
  const speed: MachineSpeed = { forward: {}, train: {}, write: { apply: null, export: null }, jobs: measurements.length };
  for (const [key, rates] of groups) {
    const [kind, provider] = key.split('/') as [Measurement['kind'], string];
    if (kind === 'forward' || kind === 'train') speed[kind][provider] = median(rates);
    else speed.write[kind] = median(rates);
  }
  return speed;
}

/** The speed of this data folder's finished jobs; each model folder's config is read once. */
export async function measureSpeed(jobs: readonly JobRecord[], parametersOf: ParametersOf): Promise<MachineSpeed> {
  const cache = new Map<string, Promise<number | null>>();
  const cached: ParametersOf = (dir) => {
    if (!cache.has(dir)) cache.set(dir, parametersOf(dir));
    return cache.get(dir)!;
  };
  const found = await Promise.all(jobs.map((j) => measurementOf(j, cached)));
  return speedFrom(found.filter((m): m is Measurement => m !== null));
}
