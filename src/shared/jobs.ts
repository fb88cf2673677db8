/**
 * Compute jobs: the kinds the compute process knows, their parameters and results, and the
 * record kept on disk for each run. Shared by main, the compute process and the renderer.
 */
import { z } from 'zod';
import { engineOptions, path, seqLen } from './commands/common.js';
import { applyJobSchema } from './commands/apply.js';
import { corpusJobSchema } from './commands/corpus.js';
import { evalJobSchema } from './commands/eval.js';
import { exportSchema } from './commands/export.js';
import { generateSchema } from './commands/generate.js';
import { probeSchema } from './commands/probe.js';
import { scoreSchema } from './commands/score.js';
import { trainSchema } from './commands/train.js';
import type { ProbeResult, ScoreResult } from './analysis.js';
import type { CorpusReport } from './corpus.js';
import type { EvaluateResult, GenerateResult } from './evaluation.js';
import type { ExportResult } from './export.js';
import type { ApplyResult } from './surgery.js';
import type { TrainResult } from './training.js';
import type { InstructEvaluation } from './instruct.js';
import type { CorpusMixture } from './mixture.js';
import { stageName, type PipelineJobResult } from './pipeline.js';

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];

/** The compute settings main adds from the user's Settings (src/shared/commands/common.ts). */
const engine = engineOptions;

/**
 * Parameters of every job kind. Paths are validated in main (exist, readable) before a job starts;
 * these schemas check shape and ranges. The jobs that are also `slayer` commands take the
 * command's own schema (src/shared/commands/*.ts), so both accept the same options.
 */
export const jobParamSchemas = {
  /**
   * The pipeline's stages on a project folder (its project.json and settings.json give every
   * option): up to and including `until`, or every remaining stage and the report. Stages done
   * and unchanged are reused; a cancelled run keeps every stage it finished.
   */
  pipeline: z.object({
    projectDir: path,
    until: stageName.optional(),
  }),
  'hash-folder': z.object({ path }),
  corpus: corpusJobSchema,
  score: scoreSchema,
  probe: probeSchema,
  apply: applyJobSchema,
  eval: evalJobSchema,
  train: trainSchema,
  /** Response perplexity on held-out instruction examples (src/main/train/instruct-eval.ts). */
  'instruct-eval': z.object({ modelDir: path, data: path, template: path.optional(), seqLen: seqLen.default(512), ...engine }),
  export: exportSchema,
  generate: generateSchema,
};

export type JobKind = keyof typeof jobParamSchemas;
export const jobKinds = Object.keys(jobParamSchemas) as JobKind[];
/** Parameters as the runner receives them (defaults filled in). */
export type JobParams<K extends JobKind> = z.output<(typeof jobParamSchemas)[K]>;
/** Parameters as a caller may give them (defaults optional). */
export type JobRequestParams<K extends JobKind> = z.input<(typeof jobParamSchemas)[K]>;

export interface JobResults {
  pipeline: PipelineJobResult;
  'hash-folder': { files: { path: string; bytes: number; sha256: string }[]; totalBytes: number };
  corpus: CorpusReport & { mixture?: CorpusMixture | null };
  score: ScoreResult;
  probe: ProbeResult;
  apply: ApplyResult;
  eval: EvaluateResult;
  generate: GenerateResult;
  export: ExportResult;
  train: TrainResult;
  'instruct-eval': InstructEvaluation;
}

/** One run of a job of kind K, as kept on disk: its parameters as the job schema gave them, and its result once it succeeded. */
export interface JobRecordOf<K extends JobKind> {
  id: string;
  kind: K;
  params: JobParams<K>;
  projectId: string | null;
  state: JobState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  progress: { fraction: number | null; message: string } | null;
  /** One plain-language line when state is failed (or why it was cancelled). */
  error: string | null;
  /** Technical detail for the "details" toggle (stderr tail, stack) — never shown by default. */
  errorDetail: string | null;
  /** Set when state is succeeded. */
  result: JobResults[K] | null;
}

/** A job of any of the kinds K (default: any kind); testing `kind` narrows params and result. */
export type JobRecord<K extends JobKind = JobKind> = { [P in K]: JobRecordOf<P> }[K];

/** Whether `job` is of kind `kind` (its params and result typed as that kind's). */
export function isJobKind<K extends JobKind>(job: JobRecord, kind: K): job is Extract<JobRecord, { kind: K }> {
  return job.kind === kind;
}

/** The jobs of kind `kind` among `jobs`, typed as that kind's. */
export function jobsOfKind<K extends JobKind>(jobs: readonly JobRecord[], kind: K): JobRecord<K>[] {
  return jobs.filter((j) => j.kind === kind) as JobRecord<K>[];
}

/** The result of `job` when it is of kind `kind` and succeeded, else null. */
export function jobResult<K extends JobKind>(job: Pick<JobRecord, 'kind' | 'state' | 'result'> | null | undefined, kind: K): JobResults[K] | null {
  // The one place the result's type follows from `kind`: TypeScript cannot narrow a union by a generic key.
  return job?.kind === kind && job.state === 'succeeded' ? (job.result as JobResults[K]) : null;
}

/** Messages between main and the compute process (the same over fork IPC and utilityProcess). */
export type ToCompute = { type: 'start'; job: { id: string; kind: JobKind; params: unknown } } | { type: 'cancel' };

export type FromCompute =
  | { type: 'progress'; fraction: number | null; message: string }
  | { type: 'log'; line: string }
  | { type: 'metric'; name: string; step: number; value: number }
  | { type: 'done'; result: unknown }
  | { type: 'error'; message: string; detail: string | null; cancelled: boolean };
