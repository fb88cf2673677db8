/**
 * The Inject step as a view of the pipeline's apply-s and train-s stages: a project whose stages
 * "Do the remaining steps for me" (or the stage list) ran shows the build and the training from
 * the stage records, says who made them, and offers the next step; the step's own jobs are shown
 * instead when they are newer, and a stage that is not done is not read. The API is scripted
 * (pipeline.status, pipeline.record with hand-written records); the plan comes from the real planner.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import InjectStep from '../../src/renderer/src/steps/InjectStep.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { useTrainingStore } from '../../src/renderer/src/stores/training';
import { estimatePlan, makePlan } from '../../src/main/plan/index.js';
import type { BrowseResult, SlayerApi } from '../../src/shared/api.js';
import { jobsOfKind, type JobRecord } from '../../src/shared/jobs.js';
import { expansionState } from '../../src/renderer/src/expansion';
import type { PipelineStatus, StageRecord, StageState } from '../../src/shared/pipeline.js';
import type { Plan, PlanOptions } from '../../src/shared/plan.js';
import type { Measurement } from '../../src/shared/report.js';
import type { ApplyResult } from '../../src/shared/surgery.js';
import type { TrainResult } from '../../src/shared/training.js';
import { EXPANDED, finishedJob, model, project, sPlan } from './inject-fixtures.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

const TRAINED = '/d/p1/models/s-trained';

const APPLY_DONE_AT = '2026-03-01T12:00:00.000Z';
const TRAIN_DONE_AT = '2026-03-01T12:10:00.000Z';

/** What the pipeline's apply-s stage recorded (hand-written). */
const applyOutput: ApplyResult = {
  out: EXPANDED,
  layers: 9,
  parameters: 1_234_567,
  trainableLayers: [1, 4, 7],
  functionCheck: {
    checked: true,
    passed: true,
    maxAbsDiff: 0,
    tolerance: 1e-5,
    newBlocks: { maxAbsDiff: 0, tolerance: 1e-5, passed: true },
    reference: 'the base model',
    sequences: 3,
    tokens: 30,
  },
  bytesWritten: 4096,
  seconds: 2.5,
  sourceSha256: 'sha256:base',
};

/** What the pipeline's train-s stage recorded (hand-written): 4 steps, losses 5.0 → 4.25. */
const trainOutput: TrainResult = {
  steps: 4,
  losses: [5, 4.75, 4.5, 4.25],
  tokensPerSecond: 1500.4,
  trainableParameters: 98_765,
  out: TRAINED,
  evals: [
    { step: 0, name: 'domain', loss: 5.2, perplexity: 181.27, targets: 100 },
    { step: 4, name: 'domain', loss: 4.3, perplexity: 73.7, targets: 100 },
  ],
  resumedFrom: null,
  trainingSequences: 16,
  dataHash: 'sha256:data',
  settings: {
    steps: 4,
    seqLen: 32,
    batch: 2,
    gradAccum: 1,
    lr: 1e-4,
    warmup: 0,
    schedule: 'constant',
    finalLrRatio: 0.1,
    weightDecay: 0.1,
    clip: 1,
    optimizer: 'adamw',
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    seed: 0,
    shuffle: true,
    split: 'train',
  },
  trainableLayers: [1, 4, 7],
  trainGlobals: false,
  provider: 'cpu',
  threads: 2,
  memory: { mode: 'resident-f32', estimateBytes: 1e8, budgetBytes: 8e9, freeBytes: 1e10, forced: false },
  seconds: 95,
} as TrainResult;

/** The original and the built model before training, as evaluate-base and evaluate-built-s recorded them (hand-written). */
const perplexity = (p: number) => ({ meanNll: Math.log(p), perplexity: p, tokens: 100, seqLen: 32, dataHash: 'sha256:x' });
const measuredBase: Measurement = { domain: perplexity(20), general: perplexity(10), domainQa: null, generalQa: null };
const measuredBuilt: Measurement = { domain: perplexity(23), general: perplexity(10.5), domainQa: null, generalQa: null };

function stageRecord<T>(name: string, output: T, finishedAt: string, seconds: number): StageRecord<T> {
  return { name, inputsHash: `sha256:${name}`, output, artifacts: [], seconds, finishedAt };
}

// What the scripted API answers; each test sets it up.
let jobs: JobRecord[];
let stages: Record<string, StageState>;
let records: Record<string, StageRecord<unknown>>;
let folders: Record<string, string[]>;
let savedPlan: Plan | null;
let calls: [string, Record<string, unknown>][];
let settingsFiles = new FakeProjectSettings();

const job = (kind: 'apply' | 'train', id: string, at: string, patch: Partial<JobRecord>, params: Record<string, unknown>) =>
  finishedJob(kind, id, at, patch, params);

const status = (): PipelineStatus => ({
  missing: null,
  stages: Object.entries(stages).map(([name, state]) => ({
    name,
    label: name,
    step: 'inject',
    state,
    seconds: records[name]?.seconds ?? null,
    finishedAt: records[name]?.finishedAt ?? null,
  })),
});

const bridge: SlayerApi = {
  invoke: (async (method: string, request: Record<string, unknown>) => {
    const setting = settingsFiles.answer(method, request);
    if (setting !== NOT_SETTINGS) return setting;
    calls.push([method, request]);
    switch (method) {
      case 'jobs.list':
        return jobs;
      case 'pipeline.status':
        return status();
      case 'pipeline.record':
        return records[request.name as string] ?? null;
      case 'plan.load':
        return savedPlan;
      case 'model.inspect':
        return { maxPositionEmbeddings: 2048 };
      case 'plan.make': {
        const plan = makePlan(model, request.options as PlanOptions);
        const machine = { totalBytes: 2 ** 34, freeBytes: 2 ** 33 };
        return { plan, estimate: estimatePlan(plan, model, { batch: request.batch as number, seqLen: request.seqLen as number, machine }) };
      }
      case 'fs.browse': {
        const names = folders[request.path as string];
        if (!names) throw new Error(`${request.path} does not exist`);
        const entries = names.map((name) => ({ name, path: `${request.path}/${name}`, kind: name.includes('.') ? 'file' : 'dir', bytes: 0 }));
        return { path: request.path, parent: null, hasConfig: false, entries } as BrowseResult;
      }
      case 'jobs.start':
        return job(
          request.kind as 'apply',
          `new-${calls.length}`,
          '2026-03-02T00:00:00Z',
          { state: 'queued', endedAt: null },
          request.params as Record<string, unknown>,
        );
    }
    throw new Error(`unexpected ${method}`);
  }) as SlayerApi['invoke'],
  on: (() => () => {}) as SlayerApi['on'],
};

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  calls = [];
  jobs = [];
  savedPlan = sPlan;
  stages = { 'evaluate-base': 'done', 'plan-s': 'done', 'apply-s': 'done', 'evaluate-built-s': 'done', 'train-s': 'done' };
  records = {
    'evaluate-base': stageRecord('evaluate-base', measuredBase, '2026-03-01T11:58:00.000Z', 2),
    'evaluate-built-s': stageRecord('evaluate-built-s', measuredBuilt, '2026-03-01T12:01:00.000Z', 2),
    'apply-s': stageRecord('apply-s', applyOutput, APPLY_DONE_AT, 3),
    'train-s': stageRecord('train-s', trainOutput, TRAIN_DONE_AT, 95),
  };
  folders = { '/d/p1/corpus': ['corpus.json'], [EXPANDED]: ['config.json'], [TRAINED]: ['config.json'] };
  window.slayer = bridge;
  setActivePinia(createPinia());
});

async function mountStep() {
  useTrainingStore().listen();
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(InjectStep, { global: { stubs: { EChart: true } } });
  await vi.waitFor(() => expect(w.find('[data-testid="build-stage"]').exists() || w.find('[data-testid="inject-needs"]').exists()).toBe(true));
  await flushPromises();
  return w;
}
/** The records of the Inject step's own stages that were read (the analysis store reads the corpus and score records besides). */
const INJECT_RECORDS = ['plan-s', 'apply-s', 'evaluate-base', 'evaluate-built-s', 'train-s'];
const recordsRead = () => calls.filter(([m, r]) => m === 'pipeline.record' && INJECT_RECORDS.includes(r.name as string)).map(([, r]) => r.name);
const started = () => calls.filter(([m]) => m === 'jobs.start').map(([, r]) => r);

const ownCheck = {
  checked: true as const,
  passed: false,
  maxAbsDiff: 0.5,
  tolerance: 1e-5,
  newBlocks: null,
  reference: 'the base model',
  sequences: 3,
  tokens: 30,
};
const ownApply = (endedAt: string) =>
  job(
    'apply',
    'apply-own',
    endedAt,
    { result: { ...applyOutput, functionCheck: ownCheck, trainableLayers: [2, 5, 8] } },
    { modelDir: '/m/base', plan: sPlan, out: EXPANDED, overwrite: false },
  );

describe('inject step over the pipeline stages', () => {
  it('shows a build and a training the remaining steps made, from their records, and leads to Evaluate', async () => {
    const w = await mountStep();
    expect(recordsRead().sort()).toEqual(['apply-s', 'evaluate-base', 'evaluate-built-s', 'plan-s', 'train-s']);
    expect(w.find('[data-testid="inject-needs"]').exists()).toBe(false);

    const build = w.get('[data-testid="build-stage"]');
    expect(build.attributes('data-state')).toBe('built');
    expect(w.get('[data-testid="build-by-pipeline"]').text()).toContain(
      'Built by the pipeline — “Do the remaining steps for me” or the stage list above ran its stage apply-s',
    );
    expect(w.get('[data-testid="function-check"]').text()).toBe(
      '✓The new layers start as exact pass-throughs: the expanded model gives the same outputs as the original (max difference 0).',
    );
    expect(w.get('[data-testid="trainable-layers"]').text()).toBe('1, 4, 7');
    expect(build.text()).toContain('1.23 M');
    expect(w.get('[data-testid="built-place"]').text()).toBe('The expanded model is in /d/p1/models/s-expanded.');
    // The pipeline measured the built model itself (evaluate-built-s): the step starts no measurement of its own.
    expect(started()).toEqual([]);
    const cost = w.get('[data-testid="surgery-cost-table"]');
    // 20 → 23 is +15.0 %; 10 → 10.5 is +5.0 %.
    expect(
      cost
        .get('[data-side="domain"]')
        .findAll('td')
        .map((td) => td.text()),
    ).toEqual(['20.00', '23.00', '+15.0 %']);
    expect(
      cost
        .get('[data-side="general"]')
        .findAll('td')
        .map((td) => td.text()),
    ).toEqual(['10.00', '10.50', '+5.0 %']);
    expect(w.get('[data-testid="surgery-cost-words"]').text()).toContain('raised perplexity on your documents by +15.0 % and on general text by +5.0 %');

    expect(w.get('[data-testid="train-stage"]').attributes('data-status')).toBe('done');
    const summary = w.get('[data-testid="train-summary"]');
    expect(summary.text()).toContain('✓ Trained 4 steps.');
    expect(w.get('[data-testid="train-by-pipeline"]').text()).toContain('Trained by the pipeline');
    expect(w.get('[data-testid="final-loss"]').text()).toBe('4.2500');
    expect(summary.text()).toContain('from 5.0000 at step 1');
    expect(w.get('[data-testid="summary-speed"]').text()).toBe('1,500 tokens/s');
    expect(w.get('[data-testid="summary-time"]').text()).toBe('1 min 35 s');
    expect(summary.text()).toContain('181.27 before training → 73.70 after');
    expect(w.get('[data-testid="trained-place"]').text()).toBe('The trained model is in /d/p1/models/s-trained. Next: measure it in the Evaluate step.');
    expect(w.get('[data-testid="training-curves"]').attributes('data-points')).toBe('4');
    expect(w.get('[data-testid="start-training"]').text()).toBe('Train again');

    await w.get('[data-testid="go-evaluate"]').trigger('click');
    expect(useAppStore().step).toBe('evaluate');
    w.unmount();
  });

  it("builds on the plan-s stage's plan when the Plan step saved none, and names its file in the command", async () => {
    savedPlan = null;
    stages = { 'plan-s': 'done', 'apply-s': 'done', 'train-s': 'to-do' };
    records = { 'plan-s': stageRecord('plan-s', sPlan, '2026-03-01T11:59:00.000Z', 1), 'apply-s': records['apply-s'] };
    const w = await mountStep();
    expect(recordsRead().sort()).toEqual(['apply-s', 'plan-s']);
    expect(w.find('[data-testid="inject-needs"]').exists()).toBe(false);
    expect(w.get('[data-testid="build-stage"]').attributes('data-state')).toBe('built');
    expect(w.text()).toContain('made by the pipeline (none saved in the Plan step)');
    await w
      .findAll('button')
      .find((b) => b.text() === 'Show command')!
      .trigger('click');
    expect(w.get('[data-testid="inject-command"]').text().split('\n')[0]).toBe(
      'slayer apply /d/p1/plans/s.json --model /m/base --out /d/p1/models/s-expanded --force',
    );
    w.unmount();
  });

  it('asks for a plan when neither the Plan step nor the pipeline made one; a corpus the pipeline built counts', async () => {
    savedPlan = null;
    stages = { corpus: 'done', 'plan-s': 'to-do', 'apply-s': 'to-do', 'train-s': 'to-do' };
    records = {};
    folders = {};
    const w = await mountStep();
    const needs = w.get('[data-testid="inject-needs"]');
    expect(needs.get('[data-need="corpus"]').attributes('data-ok')).toBe('true');
    expect(needs.get('[data-need="plan"]').attributes('data-ok')).toBe('false');
    expect(needs.text()).toContain('Save a plan in step 4.');
    w.unmount();
  });

  it('offers training next when the pipeline built the model but has not trained it, over an older build of its own', async () => {
    stages['train-s'] = 'to-do';
    delete records['train-s'];
    settingsFiles = new FakeProjectSettings({ p1: { corpus: { seqLen: 32 } } });
    folders = { '/d/p1/corpus': ['corpus.json'], [EXPANDED]: ['config.json'] };
    jobs = [ownApply('2026-03-01T11:00:00.000Z')];
    const w = await mountStep();
    expect(recordsRead().sort()).toEqual(['apply-s', 'evaluate-base', 'evaluate-built-s', 'plan-s']);
    expect(w.get('[data-testid="build-stage"]').attributes('data-state')).toBe('built');
    expect(w.find('[data-testid="build-by-pipeline"]').exists()).toBe(true);
    expect(w.get('[data-testid="trainable-layers"]').text()).toBe('1, 4, 7');
    expect(w.get('[data-testid="built-place"]').text()).toBe('The expanded model is in /d/p1/models/s-expanded. Next: train it (stage 2 below).');
    expect(w.get('[data-testid="train-stage"]').attributes('data-status')).toBe('none');
    expect(w.find('[data-testid="train-waits"]').exists()).toBe(false);
    await w.get('[data-testid="start-training"]').trigger('click');
    await flushPromises();
    expect(started()).toHaveLength(1);
    // The corpus is cut as the project's settings say (the pipeline's corpus stage): training reads 32-token sequences.
    expect(started()[0]).toMatchObject({ kind: 'train', params: { modelDir: EXPANDED, out: TRAINED, seqLen: 32, resume: false }, projectId: 'p1' });
    w.unmount();
  });

  it("shows the step's own build and run when they ended after the stages", async () => {
    const trainParams = { modelDir: EXPANDED, data: '/d/p1/corpus', out: TRAINED, steps: 20, seqLen: 32, batch: 2, resume: false, overwrite: false };
    jobs = [
      job('train', 'train-own', '2026-03-01T13:00:00.000Z', { state: 'cancelled', endedAt: '2026-03-01T13:05:00.000Z' }, trainParams),
      ownApply('2026-03-01T12:30:00.000Z'),
    ];
    folders[`${TRAINED}/checkpoints`] = ['step-00000006'];
    const w = await mountStep();
    expect(w.get('[data-testid="build-stage"]').attributes('data-state')).toBe('built');
    expect(w.find('[data-testid="build-by-pipeline"]').exists()).toBe(false);
    expect(w.get('[data-testid="trainable-layers"]').text()).toBe('2, 5, 8');
    expect(w.get('[data-testid="function-check"]').text()).toContain("The expanded model's outputs differ from the base model by up to 5.0e-1");
    expect(w.get('[data-testid="train-stage"]').attributes('data-status')).toBe('stopped');
    expect(w.get('[data-testid="resume-offer"]').text()).toContain('stopped and saved at step 6 of 20');
    expect(w.find('[data-testid="train-summary"]').exists()).toBe(false);
    w.unmount();
  });

  it('reads no record of a stage that is not done, and shows the build as missing', async () => {
    stages['apply-s'] = 'stale';
    stages['train-s'] = 'stale';
    const w = await mountStep();
    expect(recordsRead().sort()).toEqual(['evaluate-base', 'evaluate-built-s', 'plan-s']);
    expect(w.get('[data-testid="build-stage"]').attributes('data-state')).toBe('missing');
    expect(w.get('[data-testid="train-stage"]').attributes('data-status')).toBe('none');
    w.unmount();
  });
});

describe('expansion state with the apply-s stage', () => {
  const stage = stageRecord('apply-s', applyOutput, APPLY_DONE_AT, 3);

  it('is the stage when no build of the step ended after it, a running build otherwise', () => {
    expect(expansionState([], sPlan, '/m/base', stage)).toEqual({ kind: 'built', by: 'pipeline', job: null, result: applyOutput, builtAt: APPLY_DONE_AT });
    const failedBefore = job(
      'apply',
      'a1',
      '2026-03-01T11:00:00.000Z',
      { state: 'failed', error: 'disk full' },
      { modelDir: '/m/base', plan: sPlan, out: EXPANDED },
    );
    expect(expansionState(jobsOfKind([failedBefore], 'apply'), sPlan, '/m/base', stage)).toMatchObject({ kind: 'built', by: 'pipeline' });
    const building = job('apply', 'a2', '2026-03-01T11:00:00.000Z', { state: 'running', endedAt: null }, { modelDir: '/m/base', plan: sPlan, out: EXPANDED });
    expect(expansionState(jobsOfKind([building], 'apply'), sPlan, '/m/base', stage).kind).toBe('building');
    const failedAfter = job(
      'apply',
      'a3',
      '2026-03-01T12:30:00.000Z',
      { state: 'failed', error: 'disk full' },
      { modelDir: '/m/base', plan: sPlan, out: EXPANDED },
    );
    expect(expansionState(jobsOfKind([failedAfter], 'apply'), sPlan, '/m/base', stage)).toMatchObject({ kind: 'missing', job: { id: 'a3' } });
  });
});
