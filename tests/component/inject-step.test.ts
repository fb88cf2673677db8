/**
 * The Inject step against a scripted API: what it asks for when something is missing, the
 * function check in words, a stale build after the plan changed, live curves from metric events
 * with "Stop and save", Resume of a stopped or interrupted run with that run's own settings, and
 * the summary of a finished run. Plans and estimates come from the real planner.
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
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import type { Plan, PlanOptions } from '../../src/shared/plan.js';
import { EXPANDED, finishedJob, model, project, sPlan } from './inject-fixtures.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

let settingsFiles = new FakeProjectSettings();

const TRAINED = '/d/p1/models/s-trained';

// What the scripted API answers; each test sets it up.
let jobs: JobRecord[];
let savedPlan: Plan | null;
let folders: Record<string, string[]>;
let calls: [string, Record<string, unknown>][];
const listeners = new Map<string, ((p: unknown) => void)[]>();
const emit = (event: string, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload));

const record = finishedJob;

function applyJob(plan: Plan, functionCheck: JobResults['apply']['functionCheck']): JobRecord {
  const result: JobResults['apply'] = {
    out: EXPANDED,
    layers: plan.counts.layers,
    parameters: plan.counts.parameters,
    trainableLayers: [2, 5, 8],
    functionCheck,
    bytesWritten: 1,
    seconds: 0.4,
    sourceSha256: 'x',
  };
  return record(
    'apply',
    'apply-1',
    '2026-01-01T09:00:00Z',
    { endedAt: '2026-01-01T09:00:01Z', result },
    { modelDir: '/m/base', plan, out: EXPANDED, overwrite: false },
  );
}

const trainParams = {
  modelDir: EXPANDED,
  data: '/d/p1/corpus',
  out: TRAINED,
  steps: 20,
  seqLen: 32,
  batch: 2,
  lr: 1e-4,
  trainable: 'auto',
  seed: 0,
  evalData: ['/d/p1/corpus'],
  evalEvery: 5,
  checkpointEvery: 0,
  resume: false,
  overwrite: false,
  threads: 2,
  provider: 'cpu',
};

const bridge: SlayerApi = {
  invoke: (async (method: string, request: Record<string, unknown>) => {
    const setting = settingsFiles.answer(method, request);
    if (setting !== NOT_SETTINGS) return setting;
    calls.push([method, request]);
    switch (method) {
      case 'jobs.list':
        return jobs;
      case 'plan.load':
        return savedPlan;
      case 'model.inspect':
        return { maxPositionEmbeddings: 2048 };
      case 'plan.make': {
        const plan = makePlan(model, request.options as PlanOptions);
        return {
          plan,
          estimate: estimatePlan(plan, model, {
            batch: request.batch as number,
            seqLen: request.seqLen as number,
            machine: { totalBytes: 2 ** 34, freeBytes: 2 ** 33 },
          }),
        };
      }
      case 'fs.browse': {
        const names = folders[request.path as string];
        if (!names) throw new Error(`${request.path} does not exist`);
        return {
          path: request.path,
          parent: null,
          hasConfig: false,
          entries: names.map((name) => ({ name, path: `${request.path}/${name}`, kind: name.includes('.') ? 'file' : 'dir', bytes: 0 })),
        } as BrowseResult;
      }
      case 'jobs.start':
        return record(
          request.kind as JobRecord['kind'],
          `new-${calls.length}`,
          '2026-01-02T00:00:00Z',
          { state: 'queued', startedAt: null, endedAt: null },
          request.params as Record<string, unknown>,
        );
      case 'jobs.cancel':
        return jobs.find((j) => j.id === request.id);
    }
    throw new Error(`unexpected ${method}`);
  }) as SlayerApi['invoke'],
  on: ((event: string, listener: (p: unknown) => void) => {
    listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    return () => {};
  }) as SlayerApi['on'],
};

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  listeners.clear();
  calls = [];
  jobs = [];
  savedPlan = sPlan;
  folders = { '/d/p1/corpus': ['corpus.json'] };
  window.slayer = bridge;
  setActivePinia(createPinia());
});

async function mountStep() {
  useTrainingStore().listen();
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(InjectStep, { global: { stubs: { EChart: true } } });
  await vi.waitFor(() => expect(w.find('[role="status"]').exists() && w.text().includes('Reading the project')).toBe(false));
  await flushPromises();
  return w;
}
const startedAll = () => calls.filter(([m]) => m === 'jobs.start').map(([, r]) => r);
/** The builds and training runs started; the measurement of a built model (eval jobs) is checked on its own. */
const started = () => startedAll().filter((r) => r.kind !== 'eval');

describe('inject step', () => {
  it('names what is missing and leads to the step that makes it', async () => {
    savedPlan = null;
    folders = {};
    const w = await mountStep();
    const needs = w.get('[data-testid="inject-needs"]');
    expect(needs.findAll('li').map((li) => [li.attributes('data-need'), li.attributes('data-ok')])).toEqual([
      ['model', 'true'],
      ['corpus', 'false'],
      ['plan', 'false'],
    ]);
    expect(needs.text()).toContain('Save a plan in step 4.');
    await needs
      .findAll('button')
      .find((b) => b.text() === 'Go to Plan')!
      .trigger('click');
    expect(useAppStore().step).toBe('plan');
    w.unmount();
  });

  it('builds the saved plan into models/s-expanded and reports an exact pass-through', async () => {
    const expandOnly = makePlan(model, { strategy: 's', prune: 0, refresh: 'none' });
    savedPlan = expandOnly;
    const w = await mountStep();
    expect(w.get('[data-testid="build-stage"]').attributes('data-state')).toBe('missing');
    expect(w.get('[data-testid="train-waits"]').text()).toContain('Build the expanded model first');
    await w.get('[data-testid="build"]').trigger('click');
    await flushPromises();
    expect(started()).toEqual([{ kind: 'apply', params: { modelDir: '/m/base', plan: expandOnly, out: EXPANDED, overwrite: false }, projectId: 'p1' }]);

    // The job finishes (the event main sends): the check is shown in words.
    emit(
      'job.updated',
      applyJob(expandOnly, {
        checked: true,
        passed: true,
        maxAbsDiff: 0,
        tolerance: 1e-5,
        newBlocks: { maxAbsDiff: 0, tolerance: 1e-5, passed: true },
        reference: 'the base model',
        sequences: 3,
        tokens: 28,
      }),
    );
    await flushPromises();
    expect(w.get('[data-testid="build-stage"]').attributes('data-state')).toBe('built');
    expect(w.get('[data-testid="function-check"]').text()).toContain(
      'The new layers start as exact pass-throughs: the expanded model gives the same outputs as the original (max difference 0).',
    );
    expect(w.get('[data-testid="trainable-layers"]').text()).toBe('2, 5, 8');
    expect(w.find('[data-testid="start-training"]').attributes('disabled')).toBeUndefined();
    w.unmount();
  });

  it('says why the check does not apply, and asks for a rebuild when the plan changed', async () => {
    jobs = [applyJob(sPlan, { checked: false, reason: 'the plan removes layer 7' })];
    folders[EXPANDED] = ['config.json'];
    savedPlan = makePlan(model, { strategy: 's', expand: 3 });
    const w = await mountStep();
    expect(w.get('[data-testid="function-check"]').text()).toContain('Not checked: the plan removes layer 7, so the expanded model is meant to differ');
    expect(w.get('[data-testid="build-stale"]').text()).toContain('The plan changed since it was built.');
    expect(w.find('[data-testid="start-training"]').exists()).toBe(false);
    await w.get('[data-testid="build"]').trigger('click');
    await flushPromises();
    expect(started()[0].params).toMatchObject({ plan: savedPlan, out: EXPANDED, overwrite: true });
    w.unmount();
  });

  it('measures what the surgery cost before training, once per build, and shows original against built', async () => {
    const checked = {
      checked: true as const,
      passed: true,
      maxAbsDiff: 2e-7,
      tolerance: 1e-5,
      newBlocks: { maxAbsDiff: 0, tolerance: 1e-5, passed: true },
      reference: 'the base model without layer 7, with layer 6 as the mean of layers 6-7',
      sequences: 3,
      tokens: 28,
    };
    jobs = [applyJob(sPlan, checked)];
    folders[EXPANDED] = ['config.json'];
    const w = await mountStep();
    expect(w.get('[data-testid="function-check"]').text()).toContain(
      'The new layers start as exact pass-throughs (max difference 0), and the rest computes exactly what the plan says: the base model without layer 7, with layer 6 as the mean of layers 6-7',
    );
    // Started as soon as the step sees the build: the original and the built model, on the held-out documents.
    const evals = startedAll().filter((r) => r.kind === 'eval');
    expect(evals.map((r) => (r.params as { modelDir: string }).modelDir)).toEqual(['/m/base', EXPANDED]);
    expect(evals.every((r) => (r.params as { split: string }).split === 'validation')).toBe(true);

    const ids = ['base-domain', 'built-domain'].map((_, k) => `new-${calls.findIndex((c) => c[1] === evals[k]) + 1}`);
    const evalResult = (perplexity: number) => ({
      meanNll: Math.log(perplexity),
      perplexity,
      tokens: 100,
      seqLen: 512,
      dataHash: 'sha256:x',
      qa: null,
      qaHash: null,
    });
    emit('job.updated', record('eval', ids[0], '2026-01-02T00:00:00Z', { result: evalResult(20) }, evals[0].params as Record<string, unknown>));
    emit('job.updated', record('eval', ids[1], '2026-01-02T00:00:00Z', { result: evalResult(23) }, evals[1].params as Record<string, unknown>));
    await flushPromises();
    const row = w.get('[data-testid="surgery-cost-table"] [data-side="domain"]');
    expect(row.findAll('td').map((td) => td.text())).toEqual(['20.00', '23.00', '+15.0 %']);
    expect(w.get('[data-testid="surgery-cost-words"]').text()).toContain('raised perplexity on your documents by +15.0 %');
    w.unmount();

    // The same build is not measured again after a reload.
    calls = [];
    setActivePinia(createPinia());
    const again = await mountStep();
    expect(startedAll()).toEqual([]);
    again.unmount();
  });

  it('draws the live curves from metric events and stops and saves on request', async () => {
    const running = record(
      'train',
      'train-1',
      '2026-01-01T10:00:00Z',
      { state: 'running', endedAt: null, progress: { fraction: 0.1, message: 'Step 2/20' } },
      trainParams,
    );
    jobs = [running, applyJob(sPlan, { checked: false, reason: 'the plan removes layer 7' })];
    folders[EXPANDED] = ['config.json'];
    const w = await mountStep();
    expect(w.get('[data-testid="train-stage"]').attributes('data-status')).toBe('active');
    for (const step of [1, 2, 3]) {
      emit('job.metric', { id: 'train-1', name: 'loss', step, value: 6 - step / 10 });
      emit('job.metric', { id: 'train-1', name: 'lr', step, value: step * 1e-5 });
      emit('job.metric', { id: 'train-1', name: 'tokensPerSecond', step, value: 1234.4 });
    }
    emit('job.metric', { id: 'train-1', name: 'evalLoss/domain', step: 0, value: 6.2 });
    // The page is told about new points a few times a second.
    await vi.waitFor(() => expect(w.get('[data-testid="live-step"]').text()).toBe('Step 3 of 20'));
    expect(w.get('[data-testid="live-loss"]').text()).toBe('5.7000');
    expect(w.get('[data-testid="training-live"]').text()).toContain('1,234 tokens/s');
    expect(w.get('[data-testid="training-curves"]').attributes('data-points')).toBe('3');

    await w.get('[data-testid="stop-training"]').trigger('click');
    await flushPromises();
    expect(calls.filter(([m]) => m === 'jobs.cancel')).toEqual([['jobs.cancel', { id: 'train-1' }]]);
    expect(w.get('[data-testid="stop-training"]').text()).toBe('Stopping and saving…');
    w.unmount();
  });

  it('resumes a stopped or interrupted run from its newest checkpoint with the same settings', async () => {
    for (const [state, error] of [
      ['cancelled', 'Training stopped after step 7 of 20; saved …'],
      ['failed', 'The app was closed or stopped while this job was running.'],
    ] as const) {
      setActivePinia(createPinia());
      calls = [];
      jobs = [
        record('train', 'train-1', '2026-01-01T10:00:00Z', { state, error }, trainParams),
        applyJob(sPlan, { checked: false, reason: 'the plan removes layer 7' }),
      ];
      folders = {
        '/d/p1/corpus': ['corpus.json'],
        [EXPANDED]: ['config.json'],
        [TRAINED]: ['checkpoints'],
        [`${TRAINED}/checkpoints`]: ['step-00000005', 'step-00000007'],
      };
      const w = await mountStep();
      const offer = w.get('[data-testid="resume-offer"]');
      expect(offer.text()).toContain(state === 'cancelled' ? 'stopped and saved at step 7 of 20' : 'The last saved checkpoint is step 7 of 20');
      if (state === 'failed') expect(offer.text()).toContain('The app was closed');
      await w
        .findAll('button')
        .find((b) => b.text() === 'Show command')!
        .trigger('click');
      expect(w.get('[data-testid="inject-command"]').text().split('\n')[1]).toMatch(/ --resume$/);

      await w.get('[data-testid="resume-training"]').trigger('click');
      await flushPromises();
      const { threads: _t, provider: _p, ...run } = trainParams;
      expect(started()).toEqual([{ kind: 'train', params: { ...run, resume: true, overwrite: false }, projectId: 'p1' }]);
      w.unmount();
    }
  });

  it('starts over in an existing folder only after asking', async () => {
    jobs = [
      record('train', 'train-1', '2026-01-01T10:00:00Z', { state: 'cancelled' }, trainParams),
      applyJob(sPlan, { checked: false, reason: 'the plan removes layer 7' }),
    ];
    folders = { '/d/p1/corpus': ['corpus.json'], [EXPANDED]: ['config.json'], [TRAINED]: ['checkpoints'], [`${TRAINED}/checkpoints`]: ['step-00000007'] };
    const w = await mountStep();
    await w.get('[data-testid="start-over"]').trigger('click');
    expect(started()).toEqual([]);
    await w.get('[data-testid="confirm-start-over"]').trigger('click');
    await flushPromises();
    // The form holds the stopped run's settings; a new run replaces the folder's contents.
    expect(started()[0].params).toMatchObject({ steps: 20, seqLen: 32, batch: 2, resume: false, overwrite: true });
    w.unmount();
  });

  it('sums up a finished run and leads to Evaluate', async () => {
    const losses = Array.from({ length: 20 }, (_, i) => 6 - i * 0.05);
    const result = {
      steps: 20,
      losses,
      tokensPerSecond: 2048.6,
      trainableParameters: 136320,
      out: TRAINED,
      resumedFrom: 7,
      trainingSequences: 900,
      dataHash: 'sha256:x',
      evals: [
        { step: 0, name: 'domain', loss: 6, perplexity: 403.43, targets: 100 },
        { step: 20, name: 'domain', loss: 5, perplexity: 148.41, targets: 100 },
      ],
      settings: {
        steps: 20,
        seqLen: 32,
        batch: 2,
        gradAccum: 1,
        lr: 1e-4,
        warmup: 1,
        schedule: 'cosine',
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
      trainableLayers: [2, 5, 8],
      trainGlobals: false,
      provider: 'cpu',
      threads: 2,
      seconds: 30,
    } as JobResults['train'];
    jobs = [
      record(
        'train',
        'train-2',
        '2026-01-01T11:00:00Z',
        { startedAt: '2026-01-01T11:00:00Z', endedAt: '2026-01-01T11:01:30Z', result },
        { ...trainParams, resume: true },
      ),
      record(
        'train',
        'train-1',
        '2026-01-01T10:00:00Z',
        { state: 'cancelled', startedAt: '2026-01-01T10:00:00Z', endedAt: '2026-01-01T10:00:45Z' },
        trainParams,
      ),
      applyJob(sPlan, { checked: false, reason: 'the plan removes layer 7' }),
    ];
    folders[EXPANDED] = ['config.json'];
    const w = await mountStep();
    const summary = w.get('[data-testid="train-summary"]');
    expect(summary.text()).toContain('Trained 20 steps in 2 sessions');
    expect(w.get('[data-testid="final-loss"]').text()).toBe(losses[19].toFixed(4));
    expect(w.get('[data-testid="summary-speed"]').text()).toBe('2,049 tokens/s');
    // 45 s + 90 s of the two sessions.
    expect(w.get('[data-testid="summary-time"]').text()).toBe('2 min 15 s');
    expect(summary.text()).toContain('403.43 before training → 148.41 after');
    expect(w.get('[data-testid="training-curves"]').attributes('data-points')).toBe('20');
    await w.get('[data-testid="go-evaluate"]').trigger('click');
    expect(useAppStore().step).toBe('evaluate');
    w.unmount();
  });
});
