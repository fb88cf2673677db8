/**
 * The job manager: runs compute jobs one at a time in a separate process, relays their progress,
 * and keeps a record of every job on disk (`<dir>/<id>.json`) so the UI can show what ran and
 * what failed after a restart. A crash of the compute process fails the job, never the app.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import type { FromCompute, JobKind, JobRecord } from '../../shared/jobs.js';
import { writeJsonAtomic } from '../fs/atomic.js';
import type { ComputeLauncher, ComputeProcess } from './launcher.js';

export interface JobManagerEvents {
  updated: [JobRecord];
  progress: [{ id: string; fraction: number | null; message: string }];
  log: [{ id: string; line: string }];
  metric: [{ id: string; projectId: string | null; name: string; step: number; value: number }];
}

/**
 * How long a cancelled job may take to clean up before its process is ended: temp files for most
 * jobs; training saves a checkpoint on stop ("stop and save"), which takes longer for big models.
 */
const CANCEL_GRACE_MS: Partial<Record<JobKind, number>> & { default: number } = { default: 5000, train: 120_000 };

/**
 * @param onGpu the job was running on a GPU (its placement line said so): a GPU driver or
 *   onnxruntime's WebGPU provider can abort the whole process, and the CPU is the way around it.
 */
export function crashReason(code: number | null, signal: string | null, stderr: string, onGpu = false): string {
  if (signal === 'SIGKILL' || /heap out of memory|Reached heap limit|std::bad_alloc|Cannot allocate memory/i.test(stderr)) {
    return 'The compute process ran out of memory or was stopped by the system. Try a smaller batch, sequence length or model, close other programs, and start the job again.';
  }
  if (onGpu) {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    return `The GPU stopped the compute process (${how}). Run the job on the CPU (Settings, Execution provider: CPU), or update the GPU driver and start it again.`;
  }
  if (signal)
    return `The compute process stopped unexpectedly (signal ${signal}). Start the job again; if it keeps happening, open the details and report them.`;
  return `The compute process stopped unexpectedly (exit code ${code}). Start the job again; if it keeps happening, open the details and report them.`;
}

export class JobManager extends EventEmitter<JobManagerEvents> {
  private readonly records = new Map<string, JobRecord>();
  private readonly queue: string[] = [];
  private running: { id: string; proc: ComputeProcess; cancelTimer?: NodeJS.Timeout } | null = null;

  constructor(
    private readonly dir: string,
    private readonly launcher: ComputeLauncher,
  ) {
    super();
  }

  /** Loads the history; jobs that were running when the app last stopped are marked failed. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as JobRecord;
        if (record.state === 'running' || record.state === 'queued') {
          record.state = 'failed';
          record.endedAt = record.endedAt ?? new Date().toISOString();
          record.error = 'The app was closed or stopped while this job was running. Start it again; finished checkpoints are kept.';
          await this.save(record);
        }
        this.records.set(record.id, record);
      } catch {
        // An unreadable record is skipped rather than blocking the app's start.
      }
    }
  }

  list(projectId?: string): JobRecord[] {
    return [...this.records.values()]
      .filter((r) => projectId === undefined || r.projectId === projectId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  get(id: string): JobRecord {
    const r = this.records.get(id);
    if (!r) throw new UserError(`There is no job "${id}".`);
    return r;
  }

  /** The compute process of the running job, for diagnostics and crash tests. */
  runningPid(id: string): number | undefined {
    return this.running?.id === id ? this.running.proc.pid : undefined;
  }

  /** `params` are the job schema's output for `kind` (checked by the API before a job starts). */
  async start(kind: JobKind, params: Record<string, unknown>, projectId: string | null = null): Promise<JobRecord> {
    const record = {
      id: `${new Date().toISOString().slice(0, 10)}-${kind}-${randomBytes(4).toString('hex')}`,
      kind,
      params,
      projectId,
      state: 'queued',
      createdAt: new Date().toISOString(),
      startedAt: null,
      endedAt: null,
      progress: null,
      error: null,
      errorDetail: null,
      result: null,
    } as JobRecord;
    this.records.set(record.id, record);
    await this.save(record);
    this.queue.push(record.id);
    this.pump();
    return record;
  }

  async cancel(id: string): Promise<JobRecord> {
    const record = this.get(id);
    if (record.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      await this.finish(record, { state: 'cancelled', error: 'Cancelled before it started.' });
    } else if (record.state === 'running' && this.running?.id === id && !this.running.cancelTimer) {
      const { proc } = this.running;
      proc.send({ type: 'cancel' });
      this.running.cancelTimer = setTimeout(() => proc.kill(), CANCEL_GRACE_MS[record.kind] ?? CANCEL_GRACE_MS.default);
    }
    return record;
  }

  /** Resolves when no job is queued or running (used by tests and on shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * App shutdown: queued jobs are dropped and the running one is stopped as if cancelled, so a
   * training run saves its checkpoint first ("stop and save") and can be resumed next time.
   */
  async shutdown(): Promise<void> {
    for (const id of [...this.queue]) await this.cancel(id);
    if (this.running) await this.cancel(this.running.id);
    await this.idle();
  }

  private pump(): void {
    if (this.running) return;
    const id = this.queue.shift();
    if (!id) return;
    const record = this.get(id);
    let proc: ComputeProcess;
    try {
      proc = this.launcher();
    } catch (e) {
      void this.finish(record, { state: 'failed', error: 'The compute process could not be started.', errorDetail: String(e) }).then(() => this.pump());
      return;
    }
    this.running = { id, proc };
    let settled = false;
    /** The job's placement line (src/main/engine/placement.ts) said it runs on a GPU. */
    let onGpu = false;
    record.state = 'running';
    record.startedAt = new Date().toISOString();
    void this.save(record);
    this.emit('updated', record);

    proc.onMessage((m: FromCompute) => {
      switch (m.type) {
        case 'progress':
          record.progress = { fraction: m.fraction, message: m.message };
          this.emit('progress', { id, fraction: m.fraction, message: m.message });
          break;
        case 'log':
          if (m.line.startsWith('The GPU (')) onGpu = true;
          this.emit('log', { id, line: m.line });
          break;
        case 'metric':
          this.emit('metric', { id, projectId: record.projectId, name: m.name, step: m.step, value: m.value });
          break;
        case 'done':
          settled = true;
          void this.finish(record, { state: 'succeeded', result: m.result });
          break;
        case 'error':
          settled = true;
          void this.finish(record, {
            state: m.cancelled ? 'cancelled' : 'failed',
            error: m.message,
            errorDetail: m.detail,
          });
          break;
      }
    });
    proc.onExit((code, signal) => {
      const cancelTimer = this.running?.cancelTimer;
      if (cancelTimer) clearTimeout(cancelTimer);
      const wasCancelled = Boolean(cancelTimer);
      this.running = null;
      const next = () => this.pump();
      if (settled) {
        next();
        return;
      }
      const outcome = wasCancelled
        ? { state: 'cancelled' as const, error: 'Cancelled. The job was stopped; nothing half-written was kept.' }
        : { state: 'failed' as const, error: crashReason(code, signal, proc.stderrTail(), onGpu), errorDetail: proc.stderrTail() || null };
      void this.finish(record, outcome).then(next);
    });
    proc.send({ type: 'start', job: { id, kind: record.kind, params: record.params } });
  }

  private async finish(record: JobRecord, patch: Partial<Omit<JobRecord, 'result'>> & { result?: unknown }): Promise<void> {
    Object.assign(record, patch, { endedAt: new Date().toISOString() });
    await this.save(record);
    this.emit('updated', record);
  }

  private async save(record: JobRecord): Promise<void> {
    await writeJsonAtomic(join(this.dir, `${record.id}.json`), record);
  }
}
