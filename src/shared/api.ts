/**
 * The one typed contract between the renderer and main. The preload bridge, the Electron IPC
 * handlers and the browser-mode HTTP transport are all derived from `apiMethods` and
 * `ApiEvents`; main validates every request against these schemas before a handler runs.
 */
import { z } from 'zod';
import { domains, type Domain } from './domains.js';
import { projectSettingsPatchSchema, type ProjectSettings } from './project-settings.js';
import { jobKinds, type JobRecord } from './jobs.js';
import type { ApiEventName, ApiEvents } from './transport.js';
import type { CachedModel, InspectResult } from './model.js';
import { PRUNE_RULES, REFRESH_CHOICES, SCORE_METRICS, type Plan } from './plan.js';
import type { PlanEstimate } from './estimate.js';
import { PROVIDER_CHOICES, type GpuReport, type ProviderChoice } from './compute.js';
import { HTML_READINGS } from './corpus.js';
import type { CorpusPreview, CorpusReport } from './corpus.js';
import { INSTRUCT_PACKINGS, type InstructPreview } from './instruct.js';
import { ESTIMATED_JOBS, type JobEstimate, type WelcomeEstimates } from './job-estimate.js';
import { stageName, type PipelineStatus, type StageRecord } from './pipeline.js';
import type { RunReport } from './report.js';

export { domains, type Domain } from './domains.js';

/** The execution providers Settings offers; 'auto' (the default) picks the GPU when one answers and the job fits it. */
export const providers = PROVIDER_CHOICES;
export type Provider = ProviderChoice;

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,80}$/, 'must be a project or job id');
const nonEmptyPath = z.string().min(1, 'a path is required');
const layerIndex = z.number().int().min(0).max(4096);

/** makePlan's options (src/shared/plan.ts PlanOptions); scores are checked in main by parseScores. */
export const planOptionsSchema = z.discriminatedUnion('strategy', [
  z.object({
    strategy: z.literal('s'),
    paper: z.boolean().optional(),
    expand: z.number().int().min(0).max(1024).optional(),
    prune: z.number().int().min(0).max(1024).optional(),
    pruneRule: z.enum(PRUNE_RULES).optional(),
    scores: z.unknown().optional(),
    scoreMetric: z.enum(SCORE_METRICS).optional(),
    refresh: z.enum(REFRESH_CHOICES).optional(),
    budgetParameters: z.number().positive().optional(),
  }),
  z.object({ strategy: z.literal('llama-pro'), expand: z.number().int().min(1).max(1024).optional() }),
  z.object({ strategy: z.literal('last-k'), lastK: z.number().int().min(1).max(4096).optional() }),
  z.object({ strategy: z.literal('full') }),
  z.object({
    strategy: z.literal('manual'),
    layout: z.object({
      expand: z.array(z.object({ after: layerIndex, init: z.enum(['copy', 'average']) })),
      prune: z.array(layerIndex),
      refresh: z.enum(REFRESH_CHOICES),
    }),
    scores: z.unknown().optional(),
  }),
]);

/** Request schemas by method name. The response types are in ApiResponses below. */
export const apiMethods = {
  'app.info': z.object({}),
  'settings.get': z.object({}),
  'settings.update': z.object({
    dataDir: nonEmptyPath.optional(),
    threads: z.number().int().min(1).max(256).optional(),
    provider: z.enum(providers).optional(),
    memoryLimitBytes: z.number().positive().nullable().optional(),
    gpuMemoryBytes: z.number().positive().nullable().optional(),
  }),
  'fs.browse': z.object({ path: z.string().optional(), showFiles: z.boolean().optional() }),
  'projects.list': z.object({}),
  'projects.create': z.object({ name: z.string().trim().min(1, 'a name is required').max(80), domain: z.enum(domains) }),
  'projects.get': z.object({ id }),
  'projects.update': z.object({
    id,
    name: z.string().trim().min(1).max(80).optional(),
    domain: z.enum(domains).optional(),
    modelDir: nonEmptyPath.nullable().optional(),
  }),
  'projects.duplicate': z.object({ id }),
  'projects.settings': z.object({ id }),
  'projects.updateSettings': z.object({ id, patch: projectSettingsPatchSchema }),
  'projects.delete': z.object({ id }),
  /** "Try it with the demo": a project on the bundled demo model, its documents and general text already chosen. */
  'projects.createDemo': z.object({ domain: z.enum(domains).default('code') }),
  /** Time on this machine and disk space of a long job, before it starts (the same checks as jobs.start). */
  'estimate.job': z.object({ kind: z.enum(ESTIMATED_JOBS), params: z.record(z.string(), z.unknown()) }),
  'estimate.welcome': z.object({}),
  'model.inspect': z.object({ dir: nonEmptyPath }),
  'models.list': z.object({}),
  'corpus.preview': z.object({ path: nonEmptyPath, html: z.enum(HTML_READINGS).optional(), domain: z.enum(domains).optional() }),
  'report.read': z.object({ projectId: id }),
  /** Every pipeline stage of the project and its state, from the stage records on disk. */
  'pipeline.status': z.object({ projectId: id }),
  /** One stage's record (stages/<name>.json) as on disk, whatever its state; null when it never ran. */
  'pipeline.record': z.object({ projectId: id, name: stageName }),
  /** The report of the project's built corpus (corpus/corpus.json), whoever built it: the Corpus step or the pipeline's corpus stage. */
  'corpus.report': z.object({ projectId: id }),
  /** The first examples of an instruction file as the model would see them (template, response tokens), before training. */
  'instruct.preview': z.object({
    modelDir: nonEmptyPath,
    data: nonEmptyPath,
    template: nonEmptyPath.optional(),
    seqLen: z.number().int().min(8).max(131072).default(1024),
    packing: z.enum(INSTRUCT_PACKINGS).default('pack'),
  }),
  'metrics.read': z.object({ projectId: id, jobId: z.string().min(1).max(200) }),
  'app.openPath': z.object({ path: nonEmptyPath }),
  'plan.make': z.object({
    modelDir: nonEmptyPath,
    options: planOptionsSchema,
    batch: z.number().int().min(1).max(1024).default(1),
    seqLen: z.number().int().min(8).max(131072).default(512),
  }),
  'plan.save': z.object({ projectId: id, plan: z.unknown() }),
  'plan.load': z.object({ projectId: id }),
  'jobs.start': z.object({ kind: z.enum(jobKinds as [string, ...string[]]), params: z.record(z.string(), z.unknown()), projectId: id.nullable().optional() }),
  'jobs.cancel': z.object({ id }),
  'jobs.list': z.object({ projectId: id.optional() }),
  'jobs.get': z.object({ id }),
};

export type ApiMethod = keyof typeof apiMethods;
export const apiMethodNames = Object.keys(apiMethods) as ApiMethod[];
export type ApiRequest<M extends ApiMethod> = z.input<(typeof apiMethods)[M]>;

export interface AppInfo {
  version: string;
  mode: 'desktop' | 'browser';
  platform: string;
  cores: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  dataDir: string;
  /** The GPU that jobs on 'auto' or 'webgpu' would use, or why there is none. */
  gpu: GpuReport;
}

export interface Settings {
  dataDir: string;
  threads: number;
  provider: Provider;
  /** The most memory a job may use; null: as much as is free (less room for the system). */
  memoryLimitBytes: number | null;
  /** The GPU's memory, for drivers that do not report it; null: as the driver says. */
  gpuMemoryBytes: number | null;
}

export interface DirEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
  bytes: number;
}

export interface BrowseResult {
  path: string;
  parent: string | null;
  entries: DirEntry[];
  /** The folder holds a config.json: likely a model folder. */
  hasConfig: boolean;
}

export interface Project {
  id: string;
  name: string;
  domain: Domain;
  createdAt: string;
  updatedAt: string;
  modelDir: string | null;
  dir: string;
}

export interface ApiResponses {
  'app.info': AppInfo;
  'settings.get': Settings;
  'settings.update': Settings;
  'fs.browse': BrowseResult;
  'projects.list': Project[];
  'projects.create': Project;
  'projects.get': Project;
  'projects.update': Project;
  'projects.duplicate': Project;
  /** The project's settings.json: the choices the wizard and `slayer run` share. */
  'projects.settings': ProjectSettings;
  'projects.updateSettings': ProjectSettings;
  'projects.delete': { deleted: true };
  /** The demo project, its settings, and the corpus job that prepares its documents. */
  'projects.createDemo': { project: Project; settings: ProjectSettings; corpusJob: JobRecord };
  'estimate.job': JobEstimate;
  'estimate.welcome': WelcomeEstimates;
  'model.inspect': InspectResult;
  /** Models in the Hugging Face cache on this machine, newest first. */
  'models.list': { cacheDir: string; models: CachedModel[] };
  'corpus.preview': CorpusPreview;
  'instruct.preview': InstructPreview;
  /** The project's report.html, to show in the app; null when none was written yet. */
  'report.read': { html: string | null; path: string; report: RunReport | null };
  'pipeline.status': PipelineStatus;
  /** The output's type follows the stage's name: read it through StageOutput<name>. */
  'pipeline.record': StageRecord<unknown> | null;
  /** Null when the project has no built corpus (or its corpus.json cannot be read: build it again). */
  'corpus.report': CorpusReport | null;
  /** A job's metrics from the project's metrics.jsonl, in the order they were logged. */
  'metrics.read': { name: string; step: number; value: number }[];
  /** opened is false where the app cannot open folders (browser mode): show the path instead. */
  'app.openPath': { opened: boolean; path: string };
  'plan.make': { plan: Plan; estimate: PlanEstimate };
  'plan.save': Plan;
  'plan.load': Plan | null;
  'jobs.start': JobRecord;
  'jobs.cancel': JobRecord;
  'jobs.list': JobRecord[];
  'jobs.get': JobRecord;
}

/** The surface the renderer sees (window.slayer in the desktop app; HTTP in browser mode). */
export interface SlayerApi {
  invoke<M extends ApiMethod>(method: M, request: ApiRequest<M>): Promise<ApiResponses[M]>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}
