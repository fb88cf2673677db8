import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { JobManager } from '../../../src/main/jobs/manager.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import type { JobRecord } from '../../../src/shared/jobs.js';
import { tempDir } from '../../helpers/tmp.js';

function waitFor(manager: JobManager, id: string, states: JobRecord['state'][]): Promise<JobRecord> {
  return new Promise((resolve) => {
    const check = (r: JobRecord) => {
      if (r.id === id && states.includes(r.state)) {
        manager.off('updated', check);
        resolve(r);
      }
    };
    manager.on('updated', check);
    check(manager.get(id));
  });
}

function firstProgress(manager: JobManager, id: string): Promise<void> {
  return new Promise((resolve) => {
    const l = (p: { id: string }) => {
      if (p.id === id) {
        manager.off('progress', l);
        resolve();
      }
    };
    manager.on('progress', l);
  });
}

describe('job manager with a real compute process', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let data: string;
  let manager: JobManager;

  beforeEach(async () => {
    t = await tempDir();
    data = join(t.dir, 'model');
    await mkdir(join(data, 'sub'), { recursive: true });
    await writeFile(join(data, 'config.json'), '{"a":1}');
    await writeFile(join(data, 'sub', 'weights.bin'), Buffer.alloc(3000, 7));
    manager = new JobManager(join(t.dir, 'jobs'), forkLauncher);
    await manager.init();
  });
  afterEach(async () => {
    await manager.shutdown();
    await t.cleanup();
  });

  it('runs a job to completion and records its result on disk', async () => {
    const started = await manager.start('hash-folder', { path: data });
    const done = await waitFor(manager, started.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    const expected = [
      { path: 'config.json', bytes: 7, sha256: createHash('sha256').update('{"a":1}').digest('hex') },
      { path: join('sub', 'weights.bin'), bytes: 3000, sha256: createHash('sha256').update(Buffer.alloc(3000, 7)).digest('hex') },
    ];
    expect(done.result).toEqual({ files: expected, totalBytes: 3007 });
    const onDisk = JSON.parse(await readFile(join(t.dir, 'jobs', `${started.id}.json`), 'utf8')) as JobRecord;
    expect(onDisk.state).toBe('succeeded');
    expect(onDisk.endedAt).not.toBeNull();
  });

  it('cancels a running job and keeps the app-side manager usable', async () => {
    // A large sparse file: hashing it takes seconds, long enough to cancel midway.
    await truncate(join(data, 'sub', 'weights.bin'), 6 * 2 ** 30);
    const started = await manager.start('hash-folder', { path: data });
    await firstProgress(manager, started.id);
    await manager.cancel(started.id);
    const end = await waitFor(manager, started.id, ['cancelled', 'failed', 'succeeded']);
    expect(end.state).toBe('cancelled');
    expect(end.error).toMatch(/Cancelled/);
    // The next job still runs.
    await writeFile(join(data, 'sub', 'weights.bin'), 'x');
    const again = await manager.start('hash-folder', { path: data });
    expect((await waitFor(manager, again.id, ['succeeded', 'failed'])).state).toBe('succeeded');
  });

  it('reports a crashed compute process as a failed job with a readable reason', async () => {
    await truncate(join(data, 'sub', 'weights.bin'), 6 * 2 ** 30);
    const started = await manager.start('hash-folder', { path: data });
    await firstProgress(manager, started.id);
    const pid = manager.runningPid(started.id);
    expect(pid).toBeTypeOf('number');
    // What the kernel's out-of-memory killer does.
    process.kill(pid!, 'SIGKILL');
    const end = await waitFor(manager, started.id, ['failed', 'succeeded', 'cancelled']);
    expect(end.state).toBe('failed');
    expect(end.error).toMatch(/ran out of memory or was stopped by the system/);
  });

  it('turns a bad path into a plain failure, not a crash', async () => {
    const started = await manager.start('hash-folder', { path: join(t.dir, 'missing') });
    const end = await waitFor(manager, started.id, ['failed', 'succeeded']);
    expect(end.state).toBe('failed');
    expect(end.error).toMatch(/does not exist/);
    expect(end.errorDetail).toBeNull();
  });

  it('marks jobs that were running when the app stopped as failed after a restart', async () => {
    const dir = join(t.dir, 'jobs');
    const ghost: JobRecord = {
      id: 'ghost-1',
      kind: 'hash-folder',
      params: { path: data },
      projectId: null,
      state: 'running',
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      endedAt: null,
      progress: null,
      error: null,
      errorDetail: null,
      result: null,
    };
    await writeFile(join(dir, 'ghost-1.json'), JSON.stringify(ghost));
    const restarted = new JobManager(dir, forkLauncher);
    await restarted.init();
    const r = restarted.get('ghost-1');
    expect(r.state).toBe('failed');
    expect(r.error).toMatch(/closed or stopped/);
    expect(JSON.parse(await readFile(join(dir, 'ghost-1.json'), 'utf8')).state).toBe('failed');
    // No temp files left behind by the atomic writes.
    expect((await readdir(dir)).filter((n) => n.startsWith('.slayer-tmp'))).toEqual([]);
  });
});
