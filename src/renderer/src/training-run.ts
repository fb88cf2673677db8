/**
 * A training run as the Inject step sees it, read from the job history: the run is the newest
 * 'train' job into models/s-trained and the jobs it resumed, back to the one that started it —
 * unless the pipeline's train-s stage finished after it, whose record then is the run.
 * Whether it can be resumed depends on what is on disk (complete checkpoints under
 * models/s-trained/checkpoints), not on why it stopped: "Stop and save", a closed desktop app and a
 * crashed compute process all leave the last saved step there.
 */
import { isJobKind, jobResult, jobsOfKind, type JobRecord } from '../../shared/jobs';
import type { StageRecord } from '../../shared/pipeline';
import { learningRate } from '../../shared/schedules';
import type { TrainResult } from '../../shared/training';
import { stageIsNewer } from './expansion';

export type Point = [step: number, value: number];

/** Every metric of one job, by name ('loss', 'lr', 'gradNorm', 'tokensPerSecond', 'evalLoss/<set>'). */
export type MetricSeries = Record<string, Point[]>;

export interface RunCurves {
  loss: Point[];
  lr: Point[];
  /** Held-out loss by set name ("domain", "general" for a built corpus). */
  evals: Record<string, Point[]>;
}

export const EVAL_PREFIX = 'evalLoss/';

export type TrainStatus =
  | { kind: 'none' }
  | { kind: 'active'; job: JobRecord<'train'> }
  | { kind: 'done'; job: JobRecord<'train'>; result: TrainResult }
  /** Trained by the pipeline's train-s stage, whose record `stage` is. */
  | { kind: 'done'; job: null; result: TrainResult; stage: StageRecord<TrainResult> }
  /** Stopped, interrupted or failed; resumable from `savedStep` when a checkpoint is on disk. */
  | { kind: 'stopped'; job: JobRecord<'train'>; savedStep: number | null };

/** The step numbers of the checkpoint folders (step-00000012 -> 12), newest first. */
export function checkpointSteps(folderNames: readonly string[]): number[] {
  return folderNames
    .map((name) => /^step-(\d{8})$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
}

/**
 * Where the run stands. `builtAt` is when the expanded model it trains was last written: a
 * checkpoint of an earlier build belongs to another model, so it is not offered for resuming.
 * `stage`: the train-s stage's record when the pipeline says that stage is done, else null.
 */
export function trainStatus(
  latest: JobRecord | null,
  savedSteps: readonly number[],
  builtAt: string | null,
  stage: StageRecord<TrainResult> | null = null,
): TrainStatus {
  if (stage && stageIsNewer(stage, latest)) return { kind: 'done', job: null, result: stage.output, stage };
  if (!latest || !isJobKind(latest, 'train')) return { kind: 'none' };
  if (latest.state === 'running' || latest.state === 'queued') return { kind: 'active', job: latest };
  const result = jobResult(latest, 'train');
  if (result) return { kind: 'done', job: latest, result };
  const sameBuild = builtAt === null || latest.createdAt >= builtAt;
  return { kind: 'stopped', job: latest, savedStep: sameBuild ? (savedSteps[0] ?? null) : null };
}

/** The newest train job into `out` and the jobs it continued, oldest first. Jobs are newest first. */
export function runChain(jobs: readonly JobRecord[], out: string): JobRecord<'train'>[] {
  const into = jobsOfKind(jobs, 'train').filter((j) => j.params.out === out);
  const chain: JobRecord<'train'>[] = [];
  for (const job of into) {
    chain.unshift(job);
    if (job.params.resume !== true) break;
  }
  return chain;
}

const sorted = (m: Map<number, number>): Point[] => [...m.entries()].sort((a, b) => a[0] - b[0]);

/**
 * The run's curves. A finished run's result holds its whole history (a resumed run restores the
 * steps before the resume from its checkpoint); the learning rate follows from its settings with
 * the trainer's own schedule. Until then the curves are the metrics seen live, later jobs of the
 * chain replacing the steps an earlier one also reported.
 */
export function runCurves(chain: readonly JobRecord[], seen: (jobId: string) => MetricSeries | undefined): RunCurves {
  const finished = jobResult(chain.at(-1), 'train');
  if (finished) return resultCurves(finished);
  const merged = new Map<string, Map<number, number>>();
  for (const job of chain) {
    for (const [name, points] of Object.entries(seen(job.id) ?? {})) {
      const m = merged.get(name) ?? new Map<number, number>();
      for (const [step, value] of points) m.set(step, value);
      merged.set(name, m);
    }
  }
  const evals: Record<string, Point[]> = {};
  for (const [name, m] of merged) if (name.startsWith(EVAL_PREFIX)) evals[name.slice(EVAL_PREFIX.length)] = sorted(m);
  return { loss: sorted(merged.get('loss') ?? new Map()), lr: sorted(merged.get('lr') ?? new Map()), evals };
}

/** A finished run's curves from its result: every step's loss, the learning rate of its schedule, the held-out losses. */
export function resultCurves(r: TrainResult): RunCurves {
  const s = r.settings;
  const schedule = { schedule: s.schedule, peak: s.lr, warmupSteps: s.warmup, totalSteps: s.steps, finalRatio: s.finalLrRatio };
  const evals: Record<string, Point[]> = {};
  for (const e of r.evals) (evals[e.name] ??= []).push([e.step, e.loss]);
  return {
    loss: r.losses.map((loss, i) => [i + 1, loss]),
    lr: r.losses.map((_, i) => [i + 1, learningRate(schedule, i)]),
    evals,
  };
}

/** When the first and the latest optimizer step of a job were seen (ms since the epoch). */
export interface Pace {
  firstStep: number;
  firstAt: number;
  lastStep: number;
  lastAt: number;
}

/**
 * Seconds left at the pace seen so far (evaluations and checkpoints included, as they will recur),
 * or null before two steps were seen.
 */
export function remainingSeconds(pace: Pace | undefined, totalSteps: number): number | null {
  if (!pace || pace.lastStep <= pace.firstStep) return null;
  const perStep = (pace.lastAt - pace.firstAt) / 1000 / (pace.lastStep - pace.firstStep);
  return Math.max(0, totalSteps - pace.lastStep) * perStep;
}

/** The run's total steps: as set, or (one pass by default) from the progress fraction step/steps. */
export function totalSteps(job: JobRecord, step: number): number | null {
  if (isJobKind(job, 'train') && job.params.steps !== undefined) return job.params.steps;
  const fraction = job.progress?.fraction;
  return fraction && step > 0 ? Math.round(step / fraction) : null;
}
