/**
 * The main-process side of the typed API: validates each request against the shared schema,
 * runs its handler, and returns an envelope with either the value or one plain-language line.
 * Electron IPC and the browser-mode server both call `invoke` and subscribe to `events`.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { availableParallelism, freemem, homedir, platform, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { apiMethods, type ApiMethod, type ApiResponses, type BrowseResult } from '../../shared/api.js';
import type { ApiEnvelope, ApiEvents } from '../../shared/transport.js';
import { describeError, isUserError, UserError } from '../../shared/errors.js';
import { jobParamSchemas, type JobKind } from '../../shared/jobs.js';
import { ProjectStore } from '../projects/store.js';
import { SettingsStore } from '../settings.js';
import { JobManager } from '../jobs/manager.js';
import type { ComputeLauncher } from '../jobs/launcher.js';
import { jobChecks } from './job-checks.js';
import { requireOpenablePath, requireReadableDir, requireReadablePath } from './paths.js';
import { previewCorpus } from '../data/preview.js';
import { CORPUS_FILE } from '../data/built-corpus.js';
import type { CorpusReport } from '../../shared/corpus.js';
import { previewInstructions } from '../data/instruction-sequences.js';
import { parseRunReport } from '../report/parse.js';
import { listEntries } from '../fs/entries.js';
import { CORPUS_FOLDER, REPORT_HTML, REPORT_JSON } from '../../shared/project-layout.js';
import { pipelineStatus } from '../pipeline/status.js';
import { readStageRecord } from '../pipeline/stage.js';
import { appVersion } from '../version.js';
import { inspectModel } from '../inspect/inspect.js';
import { describeGpu } from '../engine/gpu-adapter.js';
import { readModelConfig } from '../model/config.js';
import { hfCacheDir, listCachedModels } from '../model/hf-cache.js';
import { estimatePlan, makePlan, parseScores, validatePlan, writePlanFile } from '../plan/index.js';
import type { PlanOptions } from '../../shared/plan.js';
import { ESTIMATED_JOBS, type EstimatedJob } from '../../shared/job-estimate.js';
import { estimateJob, measureSpeed, parametersOf, requireRoomForJob, type Statfs } from '../estimate/index.js';
import { createDemoProject } from '../welcome/demo-project.js';
import { welcomeEstimates } from '../welcome/estimates.js';

type Handlers = { [M in ApiMethod]: (req: z.output<(typeof apiMethods)[M]>) => Promise<ApiResponses[M]> };

export interface BackendOptions {
  home: string;
  mode: 'desktop' | 'browser';
  launcher: ComputeLauncher;
  /** Opens a folder or report in the system's file manager or viewer (desktop only); it is given only paths that requireOpenablePath allowed. */
  openPath?: (path: string) => Promise<void>;
  /** Free space of a file system (tests give a small one to see the disk refusal); default fs.statfs. */
  statfs?: Statfs;
}

function zodMessage(method: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'the request';
  return `Invalid ${method} request: ${where} ${issue.message.replace(/^Invalid input: /, '')}.`;
}

export class Backend {
  readonly events = new EventEmitter<{ [E in keyof ApiEvents]: [ApiEvents[E]] }>();
  private projects!: ProjectStore;
  private jobs!: JobManager;

  private constructor(
    private readonly options: BackendOptions,
    private readonly settings: SettingsStore,
  ) {}

  static async create(options: BackendOptions): Promise<Backend> {
    const backend = new Backend(options, await SettingsStore.open(options.home));
    await backend.openDataDir();
    return backend;
  }

  get jobManager(): JobManager {
    return this.jobs;
  }

  private async openDataDir(): Promise<void> {
    const { dataDir } = this.settings.get();
    this.projects = new ProjectStore(join(dataDir, 'projects'));
    const jobs = new JobManager(join(dataDir, 'jobs'), this.options.launcher);
    await jobs.init();
    jobs.on('updated', (r) => this.events.emit('job.updated', r));
    jobs.on('progress', (p) => this.events.emit('job.progress', p));
    jobs.on('log', (l) => this.events.emit('job.log', l));
    jobs.on('metric', ({ projectId, ...m }) => {
      this.events.emit('job.metric', m);
      if (projectId) void this.projects.appendMetric(projectId, { job: m.id, name: m.name, step: m.step, value: m.value });
    });
    this.jobs = jobs;
  }

  async invoke(method: string, request: unknown): Promise<ApiEnvelope<unknown>> {
    if (!Object.hasOwn(apiMethods, method)) return { ok: false, error: `Unknown request "${method}".` };
    const schema = apiMethods[method as ApiMethod];
    const parsed = schema.safeParse(request ?? {});
    if (!parsed.success) return { ok: false, error: zodMessage(method, parsed.error) };
    try {
      const handler = this.handlers[method as ApiMethod] as (r: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (e) {
      return { ok: false, error: describeError(e), detail: isUserError(e) ? undefined : (e as Error)?.stack };
    }
  }

  async close(): Promise<void> {
    await this.jobs.shutdown();
  }

  private readonly handlers: Handlers = {
    'app.info': async () => ({
      version: appVersion(),
      mode: this.options.mode,
      platform: platform(),
      cores: availableParallelism(),
      totalMemoryBytes: totalmem(),
      freeMemoryBytes: freemem(),
      dataDir: this.settings.get().dataDir,
      gpu: await describeGpu(this.settings.get().gpuMemoryBytes ?? undefined),
    }),
    'settings.get': async () => this.settings.get(),
    'settings.update': async (req) => {
      const dataDirChanged = req.dataDir !== undefined && resolve(req.dataDir) !== this.settings.get().dataDir;
      if (dataDirChanged && this.jobs.list().some((j) => j.state === 'running' || j.state === 'queued')) {
        throw new UserError('The data folder cannot change while a job is running. Wait for it to finish or cancel it first.');
      }
      const updated = await this.settings.update({ ...req, dataDir: req.dataDir && resolve(req.dataDir) });
      if (dataDirChanged) await this.openDataDir();
      return updated;
    },
    'fs.browse': async (req) => this.browse(req.path ?? homedir(), req.showFiles ?? false),
    'projects.list': async () => this.projects.list(),
    'projects.create': async (req) => this.projects.create(req.name, req.domain),
    'projects.get': async (req) => this.projects.get(req.id),
    'projects.update': async (req) => {
      const modelDir = req.modelDir ? await requireReadableDir(req.modelDir, 'model folder') : req.modelDir;
      return this.projects.update(req.id, { name: req.name, domain: req.domain, modelDir });
    },
    'projects.duplicate': async (req) => this.projects.duplicate(req.id),
    'projects.settings': async (req) => this.projects.readSettings(req.id),
    'projects.updateSettings': async (req) => this.projects.updateSettings(req.id, req.patch),
    'projects.createDemo': async (req) => {
      const demo = await createDemoProject(this.projects, req.domain);
      // The documents are prepared at once (seconds on the demo corpus), so the Analyze step can run as soon as it opens.
      const { project, settings } = demo;
      const corpus = settings.corpus;
      const params = await this.checkedParams('corpus', {
        modelDir: project.modelDir,
        data: corpus.data,
        general: corpus.general,
        domain: project.domain,
        seqLen: corpus.seqLen,
        seed: corpus.seed,
        out: join(project.dir, CORPUS_FOLDER),
      });
      return { ...demo, corpusJob: await this.jobs.start('corpus', params, project.id) };
    },
    'estimate.job': async (req) => estimateJob(req.kind, await this.checkedParams(req.kind, req.params), await this.speed(), this.options.statfs),
    'estimate.welcome': async () => welcomeEstimates(await this.speed(), this.options.statfs),
    'projects.delete': async (req) => {
      if (this.jobs.list(req.id).some((j) => j.state === 'running' || j.state === 'queued')) {
        throw new UserError('This project has a job running. Cancel it before deleting the project.');
      }
      await this.projects.delete(req.id);
      return { deleted: true as const };
    },
    'model.inspect': async (req) => inspectModel(await requireReadableDir(req.dir, 'model folder'), undefined, this.settings.get().gpuMemoryBytes ?? undefined),
    'models.list': async () => {
      const cacheDir = hfCacheDir();
      return { cacheDir, models: await listCachedModels(cacheDir) };
    },
    'report.read': async (req) => {
      const project = await this.projects.get(req.projectId);
      const path = join(project.dir, REPORT_HTML);
      const json = await readFile(join(project.dir, REPORT_JSON), 'utf8').catch(() => null);
      let report = null;
      try {
        report = json === null ? null : parseRunReport(JSON.parse(json));
      } catch {
        // A damaged report.json reads as none: the next report stage writes it again.
      }
      return { html: await readFile(path, 'utf8').catch(() => null), path, report };
    },
    'pipeline.status': async (req) => pipelineStatus((await this.projects.get(req.projectId)).dir),
    'pipeline.record': async (req) => readStageRecord((await this.projects.get(req.projectId)).dir, req.name),
    'corpus.report': async (req) => {
      const json = await readFile(join((await this.projects.get(req.projectId)).dir, CORPUS_FOLDER, CORPUS_FILE), 'utf8').catch(() => null);
      try {
        const report = json === null ? null : (JSON.parse(json) as CorpusReport);
        // Only a corpus report of ours counts (the shape openBuiltCorpus accepts); a damaged one reads as none.
        return report && typeof report.cacheKey === 'string' && typeof report.documents === 'number' ? report : null;
      } catch {
        return null;
      }
    },
    'metrics.read': async (req) =>
      (await this.projects.readMetrics(req.projectId))
        .filter((r) => r.job === req.jobId && typeof r.name === 'string' && typeof r.step === 'number' && typeof r.value === 'number')
        .map((r) => ({ name: r.name as string, step: r.step as number, value: r.value as number })),
    'app.openPath': async (req) => {
      const roots = [this.settings.get().dataDir, ...(await this.projects.list()).map((p) => p.dir)];
      const path = await requireOpenablePath(req.path, roots);
      if (!this.options.openPath) return { opened: false, path };
      await this.options.openPath(path);
      return { opened: true, path };
    },
    'corpus.preview': async (req) => previewCorpus(await requireReadablePath(req.path, 'documents'), { html: req.html, domain: req.domain }),
    'instruct.preview': async (req) =>
      previewInstructions(await requireReadableDir(req.modelDir, 'model folder'), await requireReadablePath(req.data, 'instruction examples'), {
        template: req.template === undefined ? undefined : await requireReadablePath(req.template, 'chat template'),
        seqLen: req.seqLen,
        packing: req.packing,
      }),
    'plan.make': async (req) => {
      const m = await readModelConfig(await requireReadableDir(req.modelDir, 'model folder'));
      const options = { ...req.options } as PlanOptions & { scores?: unknown };
      if (options.scores !== undefined) options.scores = parseScores(options.scores, m.layers, 'The layer scores');
      const plan = makePlan(m, options as PlanOptions);
      const gpu = await describeGpu(this.settings.get().gpuMemoryBytes ?? undefined);
      return { plan, estimate: estimatePlan(plan, m, { batch: req.batch, seqLen: req.seqLen, gpu }) };
    },
    'plan.save': async (req) => {
      const project = await this.projects.get(req.projectId);
      if (!project.modelDir) throw new UserError("Choose the project's model first (step 1): a plan belongs to one model.");
      const plan = validatePlan(req.plan, await readModelConfig(project.modelDir), 'The plan');
      await writePlanFile(join(project.dir, 'plan.json'), plan);
      return plan;
    },
    'plan.load': async (req) => {
      const project = await this.projects.get(req.projectId);
      let text: string;
      try {
        text = await readFile(join(project.dir, 'plan.json'), 'utf8');
      } catch {
        return null;
      }
      if (!project.modelDir) return null;
      return validatePlan(JSON.parse(text), await readModelConfig(project.modelDir), 'The saved plan');
    },
    'jobs.start': async (req) => {
      const kind = req.kind as JobKind;
      const params = await this.checkedParams(kind, req.params);
      if (req.projectId) await this.projects.get(req.projectId);
      // Work that will not fit on disk is refused before anything is loaded or written.
      if ((ESTIMATED_JOBS as readonly string[]).includes(kind)) await requireRoomForJob(kind as EstimatedJob, params, this.options.statfs);
      return this.jobs.start(kind, params, req.projectId ?? null);
    },
    'jobs.cancel': async (req) => this.jobs.cancel(req.id),
    'jobs.list': async (req) => this.jobs.list(req.projectId),
    'jobs.get': async (req) => this.jobs.get(req.id),
  };

  /** A job's parameters as it would run: the user's compute settings added, shapes and paths checked. */
  private async checkedParams(kind: JobKind, requested: Record<string, unknown>): Promise<Record<string, unknown>> {
    const schema = jobParamSchemas[kind];
    const { threads, provider, memoryLimitBytes, gpuMemoryBytes } = this.settings.get();
    // Engine jobs run with the user's compute settings unless the request says otherwise.
    const computeSettings = {
      threads,
      provider,
      ...(memoryLimitBytes === null ? {} : { memoryLimitBytes }),
      ...(gpuMemoryBytes === null ? {} : { gpuMemoryBytes }),
    };
    const withSettings = 'threads' in schema.shape ? { ...computeSettings, ...requested } : requested;
    const shape = schema.safeParse(withSettings);
    if (!shape.success) throw new UserError(zodMessage(`${kind} job`, shape.error));
    const check = jobChecks[kind] as (p: unknown) => Promise<Record<string, unknown>>;
    return check(shape.data);
  }

  /** This machine's speed, from the finished jobs of this data folder. */
  private speed() {
    return measureSpeed(this.jobs.list(), parametersOf);
  }

  private async browse(path: string, showFiles: boolean): Promise<BrowseResult> {
    const dir = await requireReadableDir(path);
    // Links are followed: a Hugging Face cache snapshot is a folder of links into blobs/.
    const all = await listEntries(dir);
    const entries = all
      .filter((e) => !e.name.startsWith('.') && (e.kind === 'dir' || (showFiles && e.kind === 'file')))
      .map((e) => ({ name: e.name, path: e.path, kind: e.kind as 'dir' | 'file', bytes: e.bytes }));
    entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
    const parent = dirname(dir) === dir ? null : dirname(dir);
    return { path: dir, parent, entries, hasConfig: all.some((e) => e.name === 'config.json' && e.kind === 'file') };
  }
}
