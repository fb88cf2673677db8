/** What each job kind runs inside the compute process: the same core functions the CLI calls. */
import type { JobKind, JobParams, JobResults } from '../../shared/jobs.js';
import type { TaskControl } from '../../shared/progress.js';
import { hashFolder } from '../fs/hash-folder.js';
import { buildMixedCorpus } from '../data/index.js';
import { ModelFolder } from '../model/folder.js';
import { scoreLayers, probeLayers } from '../analysis/index.js';
import { applyPlan } from '../surgery/index.js';
import { evaluateModel, generateText } from '../evaluate/index.js';
import { exportModel } from '../export/index.js';
import { train } from '../train/index.js';
import { evaluateInstructions } from '../train/instruct-eval.js';
import { join } from 'node:path';

type Runner<K extends JobKind> = (params: JobParams<K>, control: TaskControl) => Promise<JobResults[K]>;

export const jobRunners: { [K in JobKind]: Runner<K> } = {
  'hash-folder': (p, control) => hashFolder(p.path, control),
  corpus: async (p, control) => {
    const folder = await ModelFolder.open(p.modelDir);
    const tokenizer = await folder.loadTokenizer().finally(() => folder.close());
    const { report, mixture } = await buildMixedCorpus(
      [{ name: p.name, data: p.data, weight: p.weight }, ...p.sources],
      {
        general: p.general,
        tokenizer,
        cacheRoot: join(p.out, '..', 'cache'),
        domain: p.domain,
        html: p.html,
        seqLen: p.seqLen,
        seed: p.seed,
        replay: p.replay,
      },
      p.out,
      control,
    );
    return { ...report, mixture };
  },
  score: (p, control) => scoreLayers(p.modelDir, p.data, p, control),
  probe: (p, control) => probeLayers(p.modelDir, p, control),
  apply: (p, control) => applyPlan(p.modelDir, p.plan, p.out, { ...control, overwrite: p.overwrite }),
  eval: (p, control) => evaluateModel(p.modelDir, p, control),
  generate: (p, control) => generateText(p.modelDir, p.prompt, p, control),
  train: (p, control) => train(p.modelDir, p, control),
  'instruct-eval': (p, control) => evaluateInstructions(p.modelDir, p, control),
  export: (p, control) => exportModel(p.modelDir, { format: p.format, out: p.out, dtype: p.dtype, overwrite: p.overwrite }, control),
};
