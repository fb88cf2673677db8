/**
 * A wizard step's own stages as the Corpus step runs them (a 'pipeline' job up to 'corpus'): the
 * job's progress covers 0 to 100 % of that part (not the 5 % the corpus is of a whole run), and
 * the corpus it leaves is the one the Corpus step's own 'corpus' job builds from the same choices
 * (same corpus.json counts and cache key), with the stage record `slayer run` then reuses; the
 * corpus.report API reads that corpus.json for the steps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { ProjectStore } from '../../../src/main/projects/store.js';
import { jobRunners } from '../../../src/main/jobs/runners.js';
import { jobParamSchemas } from '../../../src/shared/jobs.js';
import { pipelineStatus } from '../../../src/main/pipeline/status.js';
import { progressUntil } from '../../../src/main/pipeline/run.js';
import type { CorpusReport } from '../../../src/shared/corpus.js';
import type { ProgressUpdate } from '../../../src/shared/progress.js';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { tempDir } from '../../helpers/tmp.js';

describe('the progress of a run up to a stage', () => {
  it('stretches the part of a whole run that the early stages cover over 0-100 %, and leaves other runs as they are', () => {
    const seen: (number | null)[] = [];
    const control = { onProgress: (p: ProgressUpdate) => seen.push(p.fraction) };
    // In a whole run the corpus ends at 5 %, the domain scores at 9 %, the general scores at 13 %, the base measurement at 20 %.
    for (const [until, at] of [
      ['corpus', 0.025],
      ['corpus', 0.05],
      ['score-domain', 0.09],
      ['score-general', 0.065],
      ['evaluate-base', 0.2],
      ['train-s', 0.5],
      [undefined, 0.5],
    ] as const)
      progressUntil(control, until).onProgress!({ fraction: at, message: 'm' });
    progressUntil(control, 'corpus').onProgress!({ fraction: null, message: 'm' });
    expect(seen.map((f) => (f === null ? null : Math.round(f * 1e9) / 1e9))).toEqual([0.5, 1, 1, 0.5, 1, 0.5, 0.5, null]);
  });
});

describe("the Corpus step's build through the corpus stage", () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let model: string;
  let docs: string;
  let general: string;

  beforeAll(async () => {
    t = await tempDir();
    model = join(t.dir, 'model');
    await generateTestModel(model, { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 2, vocabSize: 320, seed: 5, tokenizer: 'byte-level' });
    docs = join(t.dir, 'docs');
    general = join(t.dir, 'general');
    await mkdir(docs);
    await mkdir(general);
    for (let i = 0; i < 10; i++) {
      await writeFile(join(docs, `f${i}.ts`), `export const v${i} = (a: number) => a * ${i} + 1;\n`.repeat(8));
      await writeFile(join(general, `g${i}.txt`), `Day ${i}. The river ran past the old mill ${'and the birds sang '.repeat(6 + i)}`);
    }
  });
  afterAll(() => t.cleanup());

  it('reports its own 0-100 %, records the stage, and leaves the corpus the corpus job builds', async () => {
    const store = new ProjectStore(join(t.dir, 'projects'));
    const p = await store.create('corpus-first', 'code');
    await store.update(p.id, { modelDir: model });
    await store.updateSettings(p.id, { corpus: { data: docs, general, seqLen: 32, seed: 2 } });

    const fractions: number[] = [];
    const onProgress = (x: ProgressUpdate) => {
      if (x.fraction !== null) fractions.push(x.fraction);
    };
    const result = await jobRunners.pipeline(jobParamSchemas.pipeline.parse({ projectDir: p.dir, until: 'corpus' }), { onProgress });
    expect(result.ran).toEqual(['model', 'corpus']);
    expect(Math.max(...fractions)).toBe(1);
    expect(fractions.every((f, k) => f >= 0 && f <= 1 && (k === 0 || f >= fractions[k - 1]))).toBe(true);
    const states = Object.fromEntries((await pipelineStatus(p.dir)).stages.map((s) => [s.name, s.state]));
    expect([states.model, states.corpus, states['score-domain']]).toEqual(['done', 'done', 'to-do']);
    const staged = JSON.parse(await readFile(join(p.dir, 'corpus', 'corpus.json'), 'utf8')) as CorpusReport;

    // The Corpus step's own job, with the same choices, builds the same corpus into the same folder.
    await rm(join(p.dir, 'corpus'), { recursive: true });
    const job = await jobRunners.corpus(
      jobParamSchemas.corpus.parse({ modelDir: model, data: docs, general, domain: 'code', seqLen: 32, seed: 2, out: join(p.dir, 'corpus') }),
      {},
    );
    const built = JSON.parse(await readFile(join(p.dir, 'corpus', 'corpus.json'), 'utf8')) as CorpusReport;
    for (const r of [job, built]) {
      expect([r.documents, r.tokens, r.cacheKey, r.split.train.tokens, r.general?.tokens]).toEqual([
        staged.documents,
        staged.tokens,
        staged.cacheKey,
        staged.split.train.tokens,
        staged.general?.tokens,
      ]);
    }
  });

  it("corpus.report (API) gives the built corpus's corpus.json, and none for a project without one or with a damaged one", async () => {
    const backend = await Backend.create({ home: join(t.dir, 'backend-home'), mode: 'desktop', launcher: forkLauncher });
    try {
      const created = await backend.invoke('projects.create', { name: 'Report me', domain: 'code' });
      const { id, dir } = (created as { value: { id: string; dir: string } }).value;
      expect(await backend.invoke('corpus.report', { projectId: id })).toEqual({ ok: true, value: null });
      await backend.invoke('projects.update', { id, modelDir: model });
      await backend.invoke('projects.updateSettings', { id, patch: { corpus: { data: docs, general, seqLen: 32 } } });
      await jobRunners.pipeline(jobParamSchemas.pipeline.parse({ projectDir: dir, until: 'corpus' }), {});
      const onDisk = JSON.parse(await readFile(join(dir, 'corpus', 'corpus.json'), 'utf8')) as CorpusReport;
      expect(await backend.invoke('corpus.report', { projectId: id })).toEqual({ ok: true, value: onDisk });
      await writeFile(join(dir, 'corpus', 'corpus.json'), '{"documents": 3');
      expect(await backend.invoke('corpus.report', { projectId: id })).toEqual({ ok: true, value: null });
    } finally {
      await backend.close();
    }
  });
});
