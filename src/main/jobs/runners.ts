/**
 * What each job kind runs inside the compute process: the same core functions the CLI calls.
 * A compute process runs one job, so each runner loads only the core modules of its own kind
 * (hashing a folder never loads onnxruntime; reading documents never loads the trainer).
 */
import { join } from 'node:path';
import type { JobKind, JobParams, JobResults } from '../../shared/jobs.js';
import type { TaskControl } from '../../shared/progress.js';

type Runner<K extends JobKind> = (params: JobParams<K>, control: TaskControl) => Promise<JobResults[K]>;

export const jobRunners: { [K in JobKind]: Runner<K> } = {
  pipeline: async (p, control) => {
    const { requireProjectRunOptions } = await import('../pipeline/project-options.js');
    const { runStages } = await import('../pipeline/run.js');
    return runStages(await requireProjectRunOptions(p.projectDir), control, p.until);
  },
  'hash-folder': async (p, control) => (await import('../fs/hash-folder.js')).hashFolder(p.path, control),
  corpus: async ({ modelDir, data, name, weight, sources, out, cache, ...options }, control) => {
    const { ModelFolder } = await import('../model/folder.js');
    const { buildMixedCorpus } = await import('../data/index.js');
    const folder = await ModelFolder.open(modelDir);
    const tokenizer = await folder.loadTokenizer().finally(() => folder.close());
    const { report, mixture } = await buildMixedCorpus(
      [{ name, data, weight }, ...sources],
      { ...options, tokenizer, cacheRoot: cache ?? join(out, '..', 'cache') },
      out,
      control,
    );
    return { ...report, mixture };
  },
  score: async (p, control) => (await import('../analysis/index.js')).scoreLayers(p.modelDir, p.data, p, control),
  probe: async (p, control) => (await import('../analysis/index.js')).probeLayers(p.modelDir, p, control),
  apply: async (p, control) => (await import('../surgery/index.js')).applyPlan(p.modelDir, p.plan, p.out, { ...control, overwrite: p.overwrite }),
  eval: async (p, control) => (await import('../evaluate/index.js')).evaluateModel(p.modelDir, p, control),
  generate: async (p, control) => (await import('../evaluate/index.js')).generateText(p.modelDir, p.prompt, p, control),
  train: async (p, control) => (await import('../train/index.js')).train(p.modelDir, p, control),
  'instruct-eval': async (p, control) => (await import('../train/instruct-eval.js')).evaluateInstructions(p.modelDir, p, control),
  export: async ({ modelDir, ...options }, control) => (await import('../export/index.js')).exportModel(modelDir, options, control),
};
