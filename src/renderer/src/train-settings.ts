/**
 * The Inject step's training settings: what the form holds, its defaults (the training schema's,
 * src/shared/commands/train.ts, so the form and `slayer train` agree), and the 'train' job
 * parameters they make. Where the project's files go is fixed: the expanded model in
 * models/s-expanded, the trained one (with its checkpoints) in models/s-trained: the folders of
 * the pipeline's apply-s and train-s stages (a model trained here makes those stages' records stale).
 */
import { TRAIN_OPTION_DEFAULTS } from '../../shared/commands/train';
import type { Schedule } from '../../shared/schedules';
import type { OptimizerName } from '../../shared/training';
export { SCHEDULES } from '../../shared/schedules';
export { OPTIMIZERS } from '../../shared/training';
import type { Project } from '../../shared/api';
import type { JobRequestParams } from '../../shared/jobs';
import { corpusDir } from './stores/analysis';
import { expandedModelOf, joinPath, trainedModelOf } from '../../shared/project-layout';

export interface TrainForm {
  /** null: one pass over the training sequences (the trainer's default). */
  steps: number | null;
  lr: number;
  batch: number;
  seqLen: number;
  gradAccum: number;
  /** null: 5% of the steps (the trainer's default). */
  warmup: number | null;
  schedule: Schedule;
  weightDecay: number;
  clip: number;
  optimizer: OptimizerName;
  seed: number;
  /** Held-out evaluation every this many steps; 0: only before and after training. */
  evalEvery: number;
  checkpointEvery: number;
}

/**
 * Held-out points on the loss chart while training runs. The trainer's own default is 0 (start
 * and end only); the step shows curves, so it measures as often as it saves.
 */
const EVAL_EVERY = TRAIN_OPTION_DEFAULTS.checkpointEvery;

/** The project's fixed places: what the surgery writes, what training reads and writes. */
export function injectPlaces(project: Project) {
  return {
    plan: `${project.dir}/plan.json`,
    expanded: joinPath(project.dir, expandedModelOf('s')),
    corpus: corpusDir(project),
    trained: joinPath(project.dir, trainedModelOf('s')),
  };
}
export type InjectPlaces = ReturnType<typeof injectPlaces>;

/** Defaults for a corpus cut into `seqLen`-token sequences (the training sequences are the corpus's own). */
export function defaultForm(seqLen: number): TrainForm {
  return {
    steps: null,
    lr: TRAIN_OPTION_DEFAULTS.lr,
    batch: TRAIN_OPTION_DEFAULTS.batch,
    seqLen,
    gradAccum: TRAIN_OPTION_DEFAULTS.gradAccum,
    warmup: null,
    schedule: TRAIN_OPTION_DEFAULTS.schedule,
    weightDecay: TRAIN_OPTION_DEFAULTS.weightDecay,
    clip: TRAIN_OPTION_DEFAULTS.clip,
    optimizer: TRAIN_OPTION_DEFAULTS.optimizer,
    seed: TRAIN_OPTION_DEFAULTS.seed,
    evalEvery: EVAL_EVERY,
    checkpointEvery: TRAIN_OPTION_DEFAULTS.checkpointEvery,
  };
}

/** The form as an earlier run filled it in (its job parameters), for values the run did not set: `fallback`'s. */
export function formOf(params: Partial<JobRequestParams<'train'>>, fallback: TrainForm): TrainForm {
  return {
    steps: params.steps ?? fallback.steps,
    lr: params.lr ?? fallback.lr,
    batch: params.batch ?? fallback.batch,
    seqLen: params.seqLen ?? fallback.seqLen,
    gradAccum: params.gradAccum ?? fallback.gradAccum,
    warmup: params.warmup ?? fallback.warmup,
    schedule: params.schedule ?? fallback.schedule,
    weightDecay: params.weightDecay ?? fallback.weightDecay,
    clip: params.clip ?? fallback.clip,
    optimizer: params.optimizer ?? fallback.optimizer,
    seed: params.seed ?? fallback.seed,
    evalEvery: params.evalEvery ?? fallback.evalEvery,
    checkpointEvery: params.checkpointEvery ?? fallback.checkpointEvery,
  };
}

/** One pass over the training sequences, in optimizer steps: what "steps: default" means. */
export function onePassSteps(sequences: number, form: Pick<TrainForm, 'batch' | 'gradAccum'>): number {
  return Math.max(1, Math.ceil(sequences / (form.batch * form.gradAccum)));
}

/**
 * A new run on the expanded model: the plan's trainable layers ('auto' reads slayer.json), held-out
 * curves from the corpus's validation and general-text parts. `overwrite` starts over in a
 * models/s-trained that already holds a model or checkpoints.
 */
export function trainParams(form: TrainForm, places: InjectPlaces, overwrite: boolean): JobRequestParams<'train'> {
  return {
    modelDir: places.expanded,
    data: places.corpus,
    out: places.trained,
    ...(form.steps !== null ? { steps: form.steps } : {}),
    seqLen: form.seqLen,
    batch: form.batch,
    gradAccum: form.gradAccum,
    lr: form.lr,
    ...(form.warmup !== null ? { warmup: form.warmup } : {}),
    schedule: form.schedule,
    weightDecay: form.weightDecay,
    clip: form.clip,
    optimizer: form.optimizer,
    trainable: 'auto',
    seed: form.seed,
    evalData: [places.corpus],
    evalEvery: form.evalEvery,
    checkpointEvery: form.checkpointEvery,
    resume: false,
    overwrite,
  };
}

/**
 * The same run continued from its newest complete checkpoint: exactly its settings (the trainer
 * refuses a checkpoint of different ones), with the compute settings left to today's Settings.
 */
export function resumeParams(params: JobRequestParams<'train'>): JobRequestParams<'train'> {
  const { threads: _threads, provider: _provider, ...run } = params;
  return { ...run, resume: true, overwrite: false };
}
