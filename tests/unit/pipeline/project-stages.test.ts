/**
 * One pipeline on disk: a project the app made (ProjectStore + settings.json) runs its stages one
 * at a time through the 'pipeline' job, `slayer run --out PROJECT` finishes it reusing every stage
 * the jobs finished, and the other way round; the stages' status comes from their records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { ProjectStore } from '../../../src/main/projects/store.js';
import { jobRunners } from '../../../src/main/jobs/runners.js';
import { jobParamSchemas } from '../../../src/shared/jobs.js';
import { pipelineStatus, stageNames } from '../../../src/main/pipeline/status.js';
import { main } from '../../../src/cli/main.js';
import { makePlan, writePlanFile } from '../../../src/main/plan/index.js';
import type { ModelDescription } from '../../../src/shared/model.js';
import type { PipelineStatus } from '../../../src/shared/pipeline.js';
import { tempDir } from '../../helpers/tmp.js';

const states = (s: PipelineStatus) => Object.fromEntries(s.stages.map((x) => [x.name, x.state]));
const runJob = (projectDir: string, until?: string) => jobRunners.pipeline(jobParamSchemas.pipeline.parse({ projectDir, until }), {});

describe('the pipeline as stage jobs and as slayer run, on one project folder', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let store: ProjectStore;
  let model: string;
  let docs: string;
  let general: string;
  let description: ModelDescription;

  beforeAll(async () => {
    t = await tempDir();
    model = join(t.dir, 'model');
    // 8 layers: the S plan deletes one, so the built model is measured (evaluate-built-s is a stage).
    ({ description } = await generateTestModel(model, {
      layers: 8,
      hiddenSize: 32,
      intermediateSize: 64,
      heads: 4,
      kvHeads: 2,
      vocabSize: 320,
      seed: 5,
      tokenizer: 'byte-level',
    }));
    docs = join(t.dir, 'docs');
    general = join(t.dir, 'general');
    await mkdir(docs);
    await mkdir(general);
    for (let i = 0; i < 10; i++) {
      await writeFile(join(docs, `f${i}.ts`), `export const v${i} = (a: number) => a * ${i} + 1;\n`.repeat(8));
      await writeFile(join(general, `g${i}.txt`), `Day ${i}. The river ran past the old mill ${'and the birds sang '.repeat(6 + i)}`);
    }
    store = new ProjectStore(join(t.dir, 'projects'));
  });
  afterAll(() => t.cleanup());

  /** A project as the wizard leaves it: model chosen, corpus chosen, tiny pipeline settings. */
  async function appProject(name: string) {
    const p = await store.create(name, 'code');
    await store.update(p.id, { modelDir: model });
    await store.updateSettings(p.id, {
      corpus: { data: docs, general, seqLen: 32 },
      pipeline: { steps: 2, batch: 2, lr: 1e-3, scoreSamples: 4, evalSamples: 4, baselines: ['last-k'] },
    });
    return p;
  }

  it('says what to choose first when the project lacks a model or documents', async () => {
    const p = await store.create('empty', 'code');
    expect((await pipelineStatus(p.dir)).missing).toMatch(/model/);
    await store.update(p.id, { modelDir: model });
    expect((await pipelineStatus(p.dir)).missing).toMatch(/documents/);
    await expect(runJob(p.dir)).rejects.toThrow(/documents/);
  });

  it('runs stages one at a time, and slayer run --out PROJECT finishes the rest reusing them', async () => {
    const p = await appProject('app-first');
    const fresh = await pipelineStatus(p.dir);
    expect(fresh.missing).toBeNull();
    expect(fresh.stages.map((s) => s.name)).toEqual(stageNames({ baselines: ['last-k'] }));
    expect(fresh.stages.every((s) => s.state === 'to-do')).toBe(true);

    const analyze = await runJob(p.dir, 'score-general');
    expect(analyze.ran).toEqual(['model', 'corpus', 'score-domain', 'score-general']);
    expect(analyze.report).toBeNull();
    const afterAnalyze = states(await pipelineStatus(p.dir));
    expect(afterAnalyze['score-general']).toBe('done');
    expect(afterAnalyze['evaluate-base']).toBe('to-do');
    expect(afterAnalyze.report).toBe('to-do');

    const inject = await runJob(p.dir, 'train-s');
    expect(inject.reused).toEqual(['model', 'corpus', 'score-domain', 'score-general']);
    expect(inject.ran).toEqual(['evaluate-base', 'plan-s', 'apply-s', 'evaluate-built-s', 'train-s']);
    // The same folders as `slayer run`.
    expect(JSON.parse(await readFile(join(p.dir, 'plans', 's.json'), 'utf8')).strategy).toBe('s');
    expect(JSON.parse(await readFile(join(p.dir, 'models', 's-trained', 'slayer.json'), 'utf8'))).toBeTruthy();

    // The command line reads project.json and settings.json: no other flag needed.
    expect(await main(['run', '--out', p.dir])).toBe(0);
    const report = JSON.parse(await readFile(join(p.dir, 'report.json'), 'utf8'));
    for (const stage of ['model', 'corpus', 'score-domain', 'score-general', 'evaluate-base', 'plan-s', 'apply-s', 'evaluate-built-s', 'train-s']) {
      expect(report.reused).toContain(stage);
    }
    expect(report.reused).not.toContain('train-last-k');
    expect(report.runs.map((r: { strategy: string }) => r.strategy)).toEqual(['s', 'last-k']);
    expect(Object.values(states(await pipelineStatus(p.dir))).every((s) => s === 'done')).toBe(true);
    // Nothing is left to do: the job reruns nothing.
    expect((await runJob(p.dir)).ran).toEqual([]);
  });

  it('a project slayer run made is finished by the stage jobs, and a changed setting makes exactly the later stages stale', async () => {
    const out = join(t.dir, 'cli-first');
    // The CLI makes the project from flags (no baseline, to stay small); the folder becomes a project the app reads.
    const flags = ['--model', model, '--data', docs, '--general', general, '--domain', 'code', '--out', out];
    const tiny = ['--steps', '2', '--batch', '2', '--lr', '0.001', '--seq-len', '32', '--samples', '4', '--baselines', 'none'];
    expect(await main(['run', ...flags, ...tiny])).toBe(0);
    const project = JSON.parse(await readFile(join(out, 'project.json'), 'utf8'));
    expect(project.modelDir).toBe(model);
    const done = states(await pipelineStatus(out));
    expect(Object.values(done).every((s) => s === 'done')).toBe(true);
    expect((await runJob(out)).ran).toEqual([]);

    // The app changes the training steps in settings.json: training and everything after it is to run again.
    const settings = JSON.parse(await readFile(join(out, 'settings.json'), 'utf8'));
    settings.pipeline.steps = 3;
    await writeFile(join(out, 'settings.json'), JSON.stringify(settings));
    const changed = states(await pipelineStatus(out));
    expect(changed['apply-s']).toBe('done');
    expect(changed['train-s']).toBe('stale');
    expect(changed.report).toBe('stale');
    const rerun = await runJob(out);
    expect(rerun.ran).toEqual(['train-s', 'evaluate-s', 'export', 'report']);
    expect(rerun.report).toBe(join(out, 'report.json'));
  });

  it("uses the Plan step's saved plan for the S run (an S or hand-edited plan only), and a changed plan redoes plan-s", async () => {
    const p = await appProject('saved-plan');
    const own = makePlan(description, { strategy: 'manual', layout: { expand: [{ after: 1, init: 'copy' }], prune: [], refresh: 'none' } });
    await writePlanFile(join(p.dir, 'plan.json'), own);
    expect((await runJob(p.dir, 'plan-s')).ran).toContain('plan-s');
    const used = JSON.parse(await readFile(join(p.dir, 'plans', 's.json'), 'utf8'));
    expect(used.counts).toEqual(own.counts);
    expect(used.strategy).toBe('manual');
    // A plan of another strategy is not the S run's: the S plan is made by the prune rule, and plan-s runs again.
    await writePlanFile(join(p.dir, 'plan.json'), makePlan(description, { strategy: 'llama-pro' }));
    expect((await runJob(p.dir, 'plan-s')).ran).toEqual(['plan-s']);
    expect(JSON.parse(await readFile(join(p.dir, 'plans', 's.json'), 'utf8')).strategy).toBe('s');
  });

  it('a damaged artifact fails its checksum: the stage runs again', async () => {
    const p = await appProject('damaged');
    await runJob(p.dir, 'plan-s');
    const plan = join(p.dir, 'plans', 's.json');
    await writeFile(plan, (await readFile(plan, 'utf8')).replace('"s"', '"s" '));
    const again = await runJob(p.dir, 'plan-s');
    expect(again.ran).toEqual(['plan-s']);
    expect(again.reused).toContain('evaluate-base');
  });
});
