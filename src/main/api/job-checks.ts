/**
 * Checks of job parameters that need the file system (paths exist and are readable), run in main
 * before a job is queued, so a mistyped path fails at once with a plain message rather than
 * minutes later in the compute process. Shapes and ranges are checked by the shared schemas.
 */
import type { JobKind, JobParams } from '../../shared/jobs.js';
import { requireReadableDir } from './paths.js';

type Check<K extends JobKind> = (params: JobParams<K>) => Promise<JobParams<K>>;

export const jobChecks: { [K in JobKind]: Check<K> } = {
  'hash-folder': async (p) => ({ ...p, path: await requireReadableDir(p.path) }),
};
