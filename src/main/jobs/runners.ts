/** What each job kind runs inside the compute process: the same core functions the CLI calls. */
import type { JobKind, JobParams, JobResults } from '../../shared/jobs.js';
import type { TaskControl } from '../../shared/progress.js';
import { hashFolder } from '../fs/hash-folder.js';

type Runner<K extends JobKind> = (params: JobParams<K>, control: TaskControl) => Promise<JobResults[K]>;

export const jobRunners: { [K in JobKind]: Runner<K> } = {
  'hash-folder': (p, control) => hashFolder(p.path, control),
};
