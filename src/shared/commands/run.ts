/**
 * `slayer run`: the whole pipeline on a project folder. Its choices are the project's settings
 * (settings.json, src/shared/project-settings.ts): each flag that is a setting takes that
 * setting's type, range and default from the settings schema, so the two cannot drift; the
 * flags override the saved settings for one run and are saved with it.
 */
import { z } from 'zod';
import { flag } from '../command-schema.js';
import { domains } from '../domains.js';
import { UserError } from '../errors.js';
import { BASELINES } from '../pipeline.js';
import { PRUNE_RULES } from '../plan.js';
import { projectSettingsSchema } from '../project-settings.js';
import { path } from './common.js';
import { parsePruneRule } from './plan.js';
import { parseSourceSpec, showSource, source } from './train.js';

const pipeline = projectSettingsSchema.shape.pipeline.unwrap().shape;
const corpus = projectSettingsSchema.shape.corpus.unwrap().shape;

/** Tokens per sequence of a run made from flags alone (a project's corpus settings give its own). */
export const RUN_SEQ_LEN = 256;

/** "llama-pro,last-k", or none; each name checked, in one line. */
function parseBaselines(raw: string): string[] {
  if (raw.trim() === 'none') return [];
  const names = raw.split(',').map((b) => b.trim());
  for (const b of names) {
    if (!(BASELINES as readonly string[]).includes(b)) throw new UserError(`--baselines takes ${BASELINES.join(', ')} or none; got "${b}".`);
  }
  return names;
}

/**
 * The flags of `slayer run`. The model, the documents, the field and the general text are
 * required unless --out names a project that has them (the command checks that).
 */
export const runSchema = z.object({
  model: flag(path.optional(), { flag: 'model', value: 'MODEL', description: 'the base model folder', defaultText: "the project's" }),
  data: flag(z.array(source).min(1).max(16).optional(), {
    flag: 'data',
    value: '[NAME=]DATA[:WEIGHT]',
    multiple: true,
    description: "the field's documents; repeat it to mix sources by weight, e.g. code=docs/code:0.6",
    defaultText: "the project's",
    parse: parseSourceSpec,
    show: showSource,
  }),
  domain: flag(z.enum(domains).optional(), { flag: 'domain', value: domains.join('|'), description: 'the field', defaultText: "the project's" }),
  general: flag(corpus.general.unwrap().unwrap().optional(), {
    flag: 'general',
    value: 'DATA',
    description: 'general text for the forgetting check',
    defaultText: "the project's",
  }),
  out: flag(path, { flag: 'out', value: 'PROJECT', description: 'the project folder: an app project or an earlier run, or a new folder' }),
  replay: flag(z.number().min(0).lt(1, 'the replay share must be below 1').optional(), {
    flag: 'replay',
    value: 'SHARE',
    description: 'share of every training step taken from the general text, e.g. 0.05',
    defaultText: "0, or the project's",
  }),
  domainQa: flag(pipeline.domainQa, { flag: 'qa', value: 'QA', description: 'multiple-choice questions of the field (.jsonl), asked of every model' }),
  generalQa: flag(pipeline.generalQa, { flag: 'general-qa', value: 'QA', description: 'general multiple-choice questions (.jsonl), asked of every model' }),
  domainTasks: flag(pipeline.domainTasks, {
    flag: 'task',
    value: 'FILE|bundled:NAME',
    multiple: true,
    description: 'a benchmark task of the field asked of every model: a task file, a JSONL file or bundled:NAME; repeat for several',
  }),
  generalTasks: flag(pipeline.generalTasks, {
    flag: 'general-task',
    value: 'FILE|bundled:NAME',
    multiple: true,
    description: 'a general benchmark task asked of every model, for the forgetting check; repeat for several',
  }),
  steps: flag(pipeline.steps, { flag: 'steps', value: 'N', description: 'optimizer steps of every training run (the same for S and the baselines)' }),
  batch: flag(pipeline.batch, { flag: 'batch', value: 'B', description: 'sequences per training step' }),
  lr: flag(pipeline.lr, { flag: 'lr', value: 'X', description: 'peak learning rate of every training run' }),
  seqLen: flag(corpus.seqLen.unwrap().default(RUN_SEQ_LEN), {
    flag: 'seq-len',
    value: 'L',
    description: 'tokens per sequence, for the corpus and every stage',
  }),
  seed: flag(corpus.seed, { flag: 'seed', value: 'S', description: 'seeds the corpus split, the samples and the first training run' }),
  seeds: flag(pipeline.seeds, { flag: 'seeds', value: 'N', description: 'train every strategy N times (seed, seed+1, ...) for mean ± standard deviation' }),
  baselines: flag(pipeline.baselines, {
    flag: 'baselines',
    value: `${BASELINES.join(',')}|none`,
    description: 'strategies trained the same way besides S, for a side-by-side comparison',
    parse: parseBaselines,
    show: (v) => ((v as string[]).length ? (v as string[]).join(',') : 'none'),
  }),
  loraRank: flag(pipeline.loraRank, {
    flag: 'lora-rank',
    value: 'R',
    description: 'the LoRA baseline at this rank',
    defaultText: 'the rank that trains as many values as the S run',
  }),
  samples: flag(pipeline.scoreSamples, { flag: 'samples', value: 'N', description: 'sequences sampled for every score and every evaluation' }),
  pruneRule: flag(pipeline.pruneRule, {
    flag: 'prune',
    value: PRUNE_RULES.join('|'),
    description: "which deep layers the S plan deletes: deepest (the paper's rule), or by the layer scores this run measures",
    parse: parsePruneRule,
  }),
});

export type RunFlags = z.output<typeof runSchema>;
