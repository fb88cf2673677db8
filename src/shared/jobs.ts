/**
 * Compute jobs: the kinds the compute process knows, their parameters and results, and the
 * record kept on disk for each run. Shared by main, the compute process and the renderer.
 */
import { z } from 'zod';
import { HTML_READINGS } from './corpus.js';
import { BOS_POLICIES } from './evaluation.js';
import { ANALYSIS_PRECISIONS, type ProbeResult, type ScoreResult } from './analysis.js';
import type { CorpusReport } from './corpus.js';
import type { EvaluateResult, GenerateResult } from './evaluation.js';
import type { ExportResult } from './export.js';
import type { ApplyResult } from './surgery.js';
import { LORA_TARGETS, type TrainResult } from './training.js';
import { INSTRUCT_PACKINGS, type InstructEvaluation } from './instruct.js';
import type { CorpusMixture } from './mixture.js';
import type { PipelineJobResult } from './pipeline.js';

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];

/**
 * Parameters of every job kind. Paths are validated in main (exist, readable) before a job starts;
 * these schemas check shape and ranges.
 */
const path = z.string().min(1, 'a path is required');
const seqLen = z.number().int().min(8).max(131072);
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)
  .default(0);
const samples = z.number().int().min(1).max(1_000_000);
const split = z.enum(['train', 'validation', 'general-train', 'general-validation']);
const sourceName = z.string().regex(/^[A-Za-z][\w.-]{0,63}$/, 'a source name starts with a letter and holds letters, digits, ".", "_" or "-"');
const weight = z.number().positive('a weight must be positive').finite();
const replay = z.number().min(0).lt(1, 'the replay share must be below 1');
/**
 * The compute settings main adds from the user's settings (threads, execution provider, memory
 * limit), and `streaming` to read weights from disk one block at a time whatever else fits.
 */
const engine = {
  threads: z.number().int().min(1).max(256).optional(),
  provider: z.enum(['cpu', 'webgpu', 'cuda', 'auto']).optional(),
  memoryLimitBytes: z.number().positive().optional(),
  gpuMemoryBytes: z.number().positive().optional(),
  streaming: z.boolean().optional(),
};

/**
 * Scores and probes: fp32, or int8 for a quick scan; `weightCache` is the folder of the int8
 * weight cache (the app passes <data folder>/weight-cache; none: quantise every time).
 */
const analysis = {
  precision: z.enum(ANALYSIS_PRECISIONS).default('fp32'),
  weightCache: path.optional(),
};

export const jobParamSchemas = {
  /**
   * The pipeline's stages on a project folder (its project.json and settings.json give every
   * option): up to and including `until`, or every remaining stage and the report. Stages done
   * and unchanged are reused; a cancelled run keeps every stage it finished.
   */
  pipeline: z.object({
    projectDir: path,
    until: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be a stage name')
      .optional(),
  }),
  'hash-folder': z.object({ path }),
  corpus: z.object({
    modelDir: path,
    data: path,
    general: path.nullable().default(null),
    domain: z.enum(['code', 'math', 'legal']),
    /** How .html files are read; null: as the domain suggests. */
    html: z.enum(HTML_READINGS).nullable().default(null),
    seqLen: seqLen.default(512),
    seed,
    out: path,
    /** More domain sources besides `data` (which is the first, named `name`, weighted `weight`), mixed by weight. */
    sources: z
      .array(z.object({ name: sourceName, data: path, weight: weight, domain: z.enum(['code', 'math', 'legal']).nullable().default(null) }))
      .max(16)
      .default([]),
    name: sourceName.optional(),
    weight: weight.default(1),
    /** Share of every training step replayed from the general text. */
    replay: replay.default(0),
  }),
  score: z.object({
    modelDir: path,
    data: path,
    split: split.optional(),
    seqLen: seqLen.default(128),
    samples: samples.default(64),
    seed,
    /** Run lengths for the n-layer distances (default: the S plan's deleted count on this model). */
    spans: z.array(z.number().int().min(2).max(4096)).max(16).optional(),
    ...analysis,
    ...engine,
  }),
  probe: z.object({
    modelDir: path,
    data: path,
    split: split.optional(),
    qa: path.optional(),
    kind: z.enum(['drop', 'insert']),
    init: z.enum(['copy', 'average']).default('copy'),
    seqLen: seqLen.default(128),
    samples: samples.default(32),
    seed,
    ...analysis,
    ...engine,
  }),
  apply: z.object({ modelDir: path, plan: z.unknown(), out: path, overwrite: z.boolean().default(false) }),
  eval: z.object({
    modelDir: path,
    data: path,
    split: split.optional(),
    qa: path.optional(),
    seqLen: seqLen.default(512),
    samples: samples.optional(),
    seed,
    /** Benchmark tasks (src/main/evaluate/tasks): task files, JSONL files or bundled:NAME. */
    tasks: z.array(path).max(64).optional(),
    fewshot: z.number().int().min(0).max(256).optional(),
    limit: z.number().int().min(1).optional(),
    bos: z.enum(BOS_POLICIES).optional(),
    ...engine,
  }),
  train: z.object({
    modelDir: path,
    data: path,
    split: split.optional(),
    out: path,
    steps: z.number().int().min(1).max(10_000_000).optional(),
    seqLen: seqLen.optional(),
    batch: z.number().int().min(1).max(4096).optional(),
    gradAccum: z.number().int().min(1).max(4096).optional(),
    lr: z.number().min(0).max(10).optional(),
    warmup: z.number().int().min(0).optional(),
    schedule: z.enum(['constant', 'linear', 'cosine']).optional(),
    weightDecay: z.number().min(0).max(10).optional(),
    clip: z.number().min(0).optional(),
    optimizer: z.enum(['adamw', 'sgd']).optional(),
    trainable: z.union([z.enum(['auto', 'all']), z.array(z.number().int().min(0))]).default('auto'),
    seed,
    shuffle: z.boolean().optional(),
    evalData: z.array(path).optional(),
    evalEvery: z.number().int().min(0).optional(),
    checkpointEvery: z.number().int().min(0).optional(),
    resume: z.boolean().default(false),
    overwrite: z.boolean().default(false),
    dtype: z.enum(['f32', 'f16', 'bf16']).optional(),
    replay: replay.optional(),
    /** "instruct": instruction examples rendered with the chat template, loss on the responses only. */
    format: z.enum(['text', 'instruct']).optional(),
    packing: z.enum(INSTRUCT_PACKINGS).optional(),
    template: path.optional(),
    lora: z
      .object({
        rank: z.number().int().min(1).max(65536).optional(),
        alpha: z.number().positive().optional(),
        dropout: z.number().min(0).max(0.99).optional(),
        targets: z.array(z.enum(LORA_TARGETS)).min(1).optional(),
        layers: z.array(z.number().int().min(0)).min(1).optional(),
      })
      .optional(),
    ...engine,
  }),
  /** Response perplexity on held-out instruction examples (src/main/train/instruct-eval.ts). */
  'instruct-eval': z.object({ modelDir: path, data: path, template: path.optional(), seqLen: seqLen.default(512), ...engine }),
  export: z.object({
    modelDir: path,
    format: z.enum(['hf', 'gguf', 'llamafactory', 'axolotl', 'peft']),
    out: path,
    dtype: z.enum(['f32', 'f16', 'bf16']).optional(),
    overwrite: z.boolean().default(false),
  }),
  generate: z.object({
    modelDir: path,
    prompt: z.string().min(1, 'a prompt is required').max(20_000),
    maxTokens: z.number().int().min(1).max(4096).default(64),
    temperature: z.number().min(0).max(5).default(0),
    topK: z.number().int().min(0).max(100_000).default(0),
    topP: z.number().gt(0).max(1).default(1),
    seed,
    ...engine,
  }),
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

export interface JobRecord {
  id: string;
  kind: JobKind;
  params: Record<string, unknown>;
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
  result: unknown;
}

/** Messages between main and the compute process (the same over fork IPC and utilityProcess). */
export type ToCompute = { type: 'start'; job: { id: string; kind: JobKind; params: unknown } } | { type: 'cancel' };

export type FromCompute =
  | { type: 'progress'; fraction: number | null; message: string }
  | { type: 'log'; line: string }
  | { type: 'metric'; name: string; step: number; value: number }
  | { type: 'done'; result: unknown }
  | { type: 'error'; message: string; detail: string | null; cancelled: boolean };
