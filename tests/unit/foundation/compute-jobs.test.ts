/**
 * The wizard's compute jobs run the same core functions as the CLI, in a separate process:
 * results through the job manager must equal the direct calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { evaluateModel } from '../../../src/main/evaluate/index.js';
import { scoreLayers } from '../../../src/main/analysis/index.js';
import type { JobRecord } from '../../../src/shared/jobs.js';
import { tempDir } from '../../helpers/tmp.js';

describe('compute jobs through the API', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let backend: Backend;
  let modelDir: string;
  let docs: string;

  beforeAll(async () => {
    t = await tempDir();
    modelDir = join(t.dir, 'model');
    await generateTestModel(modelDir, { layers: 3, hiddenSize: 32, intermediateSize: 64, heads: 4, kvHeads: 2, vocabSize: 400, seed: 5 });
    docs = join(t.dir, 'docs');
    await mkdir(docs);
    for (let i = 0; i < 6; i++) await writeFile(join(docs, `d${i}.txt`), `Document ${i}: the quick brown fox ${'jumps over the lazy dog '.repeat(12 + i)}`);
    backend = await Backend.create({ home: join(t.dir, 'home'), mode: 'browser', launcher: forkLauncher });
  });
  afterAll(async () => {
    await backend.close();
    await t.cleanup();
  });

  async function runJob(kind: string, params: Record<string, unknown>): Promise<JobRecord> {
    const started = await backend.invoke('jobs.start', { kind, params });
    if (!started.ok) throw new Error(started.error);
    const id = (started.value as JobRecord).id;
    await backend.jobManager.idle();
    return backend.jobManager.get(id);
  }

  it('score and eval jobs return what the direct calls return', async () => {
    const score = await runJob('score', { modelDir, data: docs, seqLen: 16, samples: 4 });
    expect(score.state, score.error ?? '').toBe('succeeded');
    const direct = await scoreLayers(modelDir, docs, { seqLen: 16, samples: 4, seed: 0 });
    expect((score.result as typeof direct).layers).toEqual(direct.layers);
    expect((score.result as typeof direct).dataHash).toBe(direct.dataHash);

    const evaluation = await runJob('eval', { modelDir, data: docs, seqLen: 16 });
    expect(evaluation.state, evaluation.error ?? '').toBe('succeeded');
    const directEval = await evaluateModel(modelDir, { data: docs, seqLen: 16, seed: 0 });
    expect((evaluation.result as typeof directEval).perplexity).toBeCloseTo(directEval.perplexity, 6);
  });

  it("logs a training job's metrics to its project, and metrics.read returns exactly the losses of the run", async () => {
    const project = await backend.invoke('projects.create', { name: 'metrics', domain: 'code' });
    if (!project.ok) throw new Error(project.error);
    const projectId = (project.value as { id: string }).id;
    const started = await backend.invoke('jobs.start', {
      kind: 'train',
      params: { modelDir, data: docs, out: join(t.dir, 'trained'), steps: 3, seqLen: 16, batch: 2, trainable: 'all' },
      projectId,
    });
    if (!started.ok) throw new Error(started.error);
    const id = (started.value as JobRecord).id;
    await backend.jobManager.idle();
    const job = backend.jobManager.get(id);
    expect(job.state, job.error ?? '').toBe('succeeded');
    // Metric appends are asynchronous to the job's end: wait until the log has caught up.
    await expect
      .poll(async () => {
        const m = await backend.invoke('metrics.read', { projectId, jobId: id });
        return m.ok ? (m.value as { name: string }[]).filter((r) => r.name === 'loss').length : -1;
      })
      .toBe(3);
    const read = await backend.invoke('metrics.read', { projectId, jobId: id });
    const losses = (read.ok ? (read.value as { name: string; step: number; value: number }[]) : []).filter((r) => r.name === 'loss').map((r) => r.value);
    expect(losses).toEqual((job.result as { losses: number[] }).losses);
  });

  it('refuses a job whose paths do not exist before starting anything', async () => {
    const r = await backend.invoke('jobs.start', { kind: 'score', params: { modelDir: join(t.dir, 'nope'), data: docs } });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/does not exist/) });
  });
});
