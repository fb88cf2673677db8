/**
 * One resumable pipeline stage. A stage's record (stages/<name>.json in the project folder)
 * holds the hash of everything it was computed from, its JSON output, and the checksums of the
 * files it wrote. A rerun skips the stage when the inputs hash matches and every file still has
 * its checksum; otherwise the stage (and, through the inputs hash, every later one) runs again.
 */
import { createHash } from 'node:crypto';
import { access, readFile, stat } from 'node:fs/promises';
import { join, relative, isAbsolute } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic.js';
import { hashFolder, statFingerprint } from '../fs/hash-folder.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { StageRecord } from '../../shared/pipeline.js';

export type { StageRecord };

export interface StageOutcome<T> {
  output: T;
  /** Absolute paths of files or folders the output refers to. */
  artifacts?: string[];
}

export function hashInputs(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex');
}

/** One digest of a file's or a folder's content (for a folder: every file's path and hash). */
export async function artifactHash(path: string): Promise<string> {
  const info = await stat(path);
  if (info.isFile())
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  const { files } = await hashFolder(path);
  return hashInputs(files.map((f) => [f.path, f.sha256]));
}

/**
 * Whether every artifact is still there and unchanged. Verified: an artifact whose sizes and
 * modification times are as recorded (statFingerprint) counts as unchanged without reading it;
 * any other is hashed again and compared.
 */
async function stillValid<T>(projectDir: string, record: StageRecord<T>, verify: boolean): Promise<boolean> {
  for (const a of record.artifacts) {
    const path = join(projectDir, a.path);
    try {
      if (!verify) await access(path);
      else if (a.fingerprint !== undefined && (await statFingerprint(path)) === a.fingerprint) continue;
      else if ((await artifactHash(path)) !== a.sha256) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** Thrown by a StageRunner to end a run early: after its `until` stage, or (dry run) at the first stage that would run. */
export class StopAtStage extends Error {
  constructor(readonly stage: string) {
    super(`stopped at stage ${stage}`);
  }
}

export interface StageRunnerOptions {
  /** Stop after this stage (ran or reused). */
  until?: string;
  /** Run nothing: stop at the first stage that is not up to date (for the stages' status). */
  dryRun?: boolean;
  /** Check every artifact's checksum (default); false: only that it exists (a quick status). */
  verify?: boolean;
}

/** A stage the runner met, and whether it was up to date. */
export interface VisitedStage {
  name: string;
  state: 'done' | 'ran' | 'stale' | 'to-do';
  record: StageRecord<unknown> | null;
}

/** The record of a stage in a project folder, or null when it never ran. */
export async function readStageRecord<T>(projectDir: string, name: string): Promise<StageRecord<T> | null> {
  return readFile(join(projectDir, 'stages', `${name}.json`), 'utf8')
    .then((t) => JSON.parse(t) as StageRecord<T>)
    .catch(() => null);
}

export class StageRunner {
  readonly timings: Record<string, number> = {};
  readonly reused: string[] = [];
  readonly ran: string[] = [];
  readonly visited: VisitedStage[] = [];

  constructor(
    private readonly projectDir: string,
    private readonly control: TaskControl,
    private readonly options: StageRunnerOptions = {},
  ) {}

  async run<T>(name: string, inputs: unknown, compute: () => Promise<StageOutcome<T>>): Promise<StageRecord<T>> {
    throwIfCancelled(this.control.signal);
    const file = join(this.projectDir, 'stages', `${name}.json`);
    const inputsHash = hashInputs(inputs);
    const previous = await readStageRecord<T>(this.projectDir, name);
    if (previous && previous.inputsHash === inputsHash && (await stillValid(this.projectDir, previous, this.options.verify ?? true))) {
      this.control.onLog?.(`${name}: up to date (inputs unchanged), reused.`);
      this.timings[name] = previous.seconds;
      this.reused.push(name);
      this.visited.push({ name, state: 'done', record: previous });
      if (this.options.until === name) throw new StopAtStage(name);
      return previous;
    }
    if (this.options.dryRun) {
      this.visited.push({ name, state: previous ? 'stale' : 'to-do', record: previous });
      throw new StopAtStage(name);
    }
    this.control.onLog?.(`${name}: running…`);
    const started = Date.now();
    const outcome = await compute();
    const artifacts = [];
    for (const path of outcome.artifacts ?? []) {
      const rel = isAbsolute(path) ? relative(this.projectDir, path) : path;
      const fingerprint = await statFingerprint(join(this.projectDir, rel));
      artifacts.push({ path: rel, sha256: await artifactHash(join(this.projectDir, rel)), fingerprint });
    }
    const record: StageRecord<T> = {
      name,
      inputsHash,
      output: outcome.output,
      artifacts,
      seconds: (Date.now() - started) / 1000,
      finishedAt: new Date().toISOString(),
    };
    await writeJsonAtomic(file, record);
    this.timings[name] = record.seconds;
    this.ran.push(name);
    this.visited.push({ name, state: 'ran', record });
    if (this.options.until === name) throw new StopAtStage(name);
    return record;
  }
}
