/**
 * pipeline.record: a stage's record as the project folder holds it, null for a stage that never
 * ran, and a name that is not a stage name (a path) refused before anything is read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import type { Project } from '../../../src/shared/api.js';
import { tempDir } from '../../helpers/tmp.js';

describe('the pipeline.record API', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let backend: Backend;
  let projectId: string;
  const record = {
    name: 'score-domain',
    inputsHash: 'a'.repeat(64),
    output: { layers: [{ index: 0, angularLast: 0.25, angularMean: 0.5, blockInfluence: 0.125 }] },
    artifacts: [],
    seconds: 1.5,
    finishedAt: '2026-12-06T17:00:00.000Z',
  };

  beforeAll(async () => {
    t = await tempDir();
    backend = await Backend.create({ home: join(t.dir, 'home'), mode: 'desktop', launcher: forkLauncher });
    const created = await backend.invoke('projects.create', { name: 'Stages', domain: 'code' });
    if (!created.ok) throw new Error(created.error);
    const project = created.value as Project;
    projectId = project.id;
    await mkdir(join(project.dir, 'stages'));
    await writeFile(join(project.dir, 'stages', 'score-domain.json'), JSON.stringify(record));
    await writeFile(join(t.dir, 'home', 'secret.json'), '{"secret": true}');
  });
  afterAll(async () => {
    await backend.close();
    await t.cleanup();
  });

  it('returns the record on disk, and null for a stage that never ran', async () => {
    expect(await backend.invoke('pipeline.record', { projectId, name: 'score-domain' })).toEqual({ ok: true, value: record });
    expect(await backend.invoke('pipeline.record', { projectId, name: 'train-s' })).toEqual({ ok: true, value: null });
  });

  it('refuses a name that is not a stage name', async () => {
    for (const name of ['../../secret', 'Score', '', 'a/b']) {
      const r = await backend.invoke('pipeline.record', { projectId, name });
      expect(r.ok, name).toBe(false);
    }
  });
});
