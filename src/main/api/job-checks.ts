/**
 * Checks of job parameters that need the file system (paths exist and are readable), run in main
 * before a job is queued, so a mistyped path fails at once with a plain message rather than
 * minutes later in the compute process. Shapes and ranges are checked by the shared schemas.
 */
import { resolve } from 'node:path';
import type { JobKind, JobParams } from '../../shared/jobs.js';
import { requireReadableDir, requireReadablePath } from './paths.js';

type Check<K extends JobKind> = (params: JobParams<K>) => Promise<JobParams<K>>;

const model = (dir: string) => requireReadableDir(dir, 'model folder');
const data = (path: string) => requireReadablePath(path, 'documents');
const optional = async (path: string | undefined, what: string) => (path === undefined ? undefined : requireReadablePath(path, what));

export const jobChecks: { [K in JobKind]: Check<K> } = {
  pipeline: async (p) => ({ ...p, projectDir: await requireReadableDir(p.projectDir, 'project folder') }),
  'hash-folder': async (p) => ({ ...p, path: await requireReadableDir(p.path) }),
  corpus: async (p) => ({
    ...p,
    modelDir: await model(p.modelDir),
    data: await data(p.data),
    general: p.general === null ? null : await requireReadablePath(p.general, 'general text'),
    out: resolve(p.out),
    sources: await Promise.all(p.sources.map(async (s) => ({ ...s, data: await data(s.data) }))),
  }),
  score: async (p) => ({ ...p, modelDir: await model(p.modelDir), data: await data(p.data) }),
  probe: async (p) => ({ ...p, modelDir: await model(p.modelDir), data: await data(p.data), qa: await optional(p.qa, 'questions file') }),
  apply: async (p) => ({ ...p, modelDir: await model(p.modelDir), out: resolve(p.out) }),
  eval: async (p) => ({ ...p, modelDir: await model(p.modelDir), data: await data(p.data), qa: await optional(p.qa, 'questions file') }),
  generate: async (p) => ({ ...p, modelDir: await model(p.modelDir) }),
  train: async (p) => ({
    ...p,
    modelDir: await model(p.modelDir),
    data: typeof p.data === 'string' ? await data(p.data) : await Promise.all(p.data.map(async (s) => ({ ...s, data: await data(s.data) }))),
    out: resolve(p.out),
    replayData: await optional(p.replayData, 'general text'),
    evalData: p.evalData && (await Promise.all(p.evalData.map((e) => requireReadablePath(e, 'evaluation text')))),
    template: await optional(p.template, 'chat template'),
  }),
  'instruct-eval': async (p) => ({
    ...p,
    modelDir: await model(p.modelDir),
    data: await requireReadablePath(p.data, 'instruction examples'),
    template: await optional(p.template, 'chat template'),
  }),
  export: async (p) => ({ ...p, modelDir: await model(p.modelDir), out: resolve(p.out) }),
};
