/** "Try it with the demo" in main: the project, its settings.json, and the Welcome screen's times. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { tempDir } from '../../helpers/tmp.js';

const DEMO = resolve('resources/demo');

describe('projects.createDemo', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let backend: Backend;
  beforeAll(async () => {
    t = await tempDir('slayer-demo-project-');
    backend = await Backend.create({ home: t.dir, mode: 'browser', launcher: forkLauncher });
  });
  afterAll(async () => {
    await backend.close();
    await t.cleanup();
  });

  it('creates a code project on the demo model with the documents and general text chosen', async () => {
    const r = await backend.invoke('projects.createDemo', {});
    if (!r.ok) throw new Error(r.error);
    const { project, settings } = r.value as {
      project: { dir: string; domain: string; modelDir: string; name: string };
      settings: { corpus: Record<string, unknown> };
    };
    expect(project).toMatchObject({ domain: 'code', modelDir: join(DEMO, 'model'), name: 'Demo: code knowledge' });
    expect(settings.corpus).toMatchObject({ data: join(DEMO, 'corpora', 'code'), general: join(DEMO, 'corpora', 'general'), seqLen: 128, seed: 0 });
    // The project folder holds the same choices (the wizard and `slayer run` read them there).
    const saved = JSON.parse(await readFile(join(project.dir, 'settings.json'), 'utf8'));
    expect(saved.corpus).toEqual(settings.corpus);
    const listed = await backend.invoke('projects.list', {});
    expect(listed.ok && (listed.value as unknown[]).length).toBe(1);
    // The documents are prepared at once, into the project's corpus folder, for the Analyze step.
    const job = (r.value as { corpusJob: { id: string; kind: string; params: Record<string, unknown> } }).corpusJob;
    expect(job).toMatchObject({ kind: 'corpus', params: { out: join(project.dir, 'corpus'), data: settings.corpus.data, general: settings.corpus.general } });
    let state = '';
    for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(state); i++) {
      await new Promise((done) => setTimeout(done, 200));
      const got = await backend.invoke('jobs.get', { id: job.id });
      state = got.ok ? (got.value as { state: string }).state : 'failed';
    }
    expect(state).toBe('succeeded');
  }, 150_000);

  it('says how long the demo analysis takes, or that the first job measures it', async () => {
    const r = await backend.invoke('estimate.welcome', {});
    if (!r.ok) throw new Error(r.error);
    expect(r.value).toEqual({
      demoAnalyze: { kind: 'score', seconds: null, basis: expect.stringMatching(/first one measures/), diskBytes: 0, freeBytes: null, refusal: null },
      analyzeSecondsPerBillion: null,
    });
  });
});

describe('slayer demo --project-only', () => {
  it('creates the same demo project in the data folder the app reads', async () => {
    const t = await tempDir('slayer-demo-cli-');
    try {
      const run = (...args: string[]) =>
        spawnSync(process.execPath, ['bin/slayer.js', 'demo', ...args], { encoding: 'utf8', env: { ...process.env, SLAYER_HOME: t.dir } });
      const r = run('--project-only', '--json');
      expect(r.status).toBe(0);
      const { project, settings } = JSON.parse(r.stdout);
      expect(project).toMatchObject({
        domain: 'code',
        modelDir: join(DEMO, 'model'),
        dir: expect.stringMatching(new RegExp(`^${t.dir}/projects/demo-code-knowledge-`)),
      });
      expect(settings.corpus).toMatchObject({ data: join(DEMO, 'corpora', 'code'), general: join(DEMO, 'corpora', 'general'), seqLen: 128 });
      // The app opened on that data folder lists it.
      const backend = await Backend.create({ home: t.dir, mode: 'browser', launcher: forkLauncher });
      try {
        const listed = await backend.invoke('projects.list', {});
        expect(listed.ok && (listed.value as { id: string }[]).map((p) => p.id)).toEqual([project.id]);
      } finally {
        await backend.close();
      }
      const both = run('--project-only', '--out', 'x');
      expect(both.status).not.toBe(0);
      expect(both.stderr.trim().split('\n')).toEqual(["--project-only creates the project in the app's data folder: leave out --out."]);
    } finally {
      await t.cleanup();
    }
  }, 60_000);
});
