/**
 * The run history: each job's key numbers come from its own result, two training runs compare
 * setting by setting with the differences marked, and the plan a run trained is found through
 * the build of its model and set against the saved plan.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import HistoryPanel from '../../src/renderer/src/components/HistoryPanel.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { jobDuration, jobNumbers, planRows, settingsRows, trainedPlan } from '../../src/renderer/src/history';
import { DEFAULTS } from '../../src/main/train/options.js';
import { makePlan } from '../../src/main/plan/index.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import type { Plan } from '../../src/shared/plan.js';
import { finishedJob, model, sPlan } from './inject-fixtures.js';

const proPlan = makePlan(model, { strategy: 'llama-pro', expand: 4 });
const EXPANDED = '/d/p1/models/expanded';

const job = finishedJob;

function trainResult(losses: number[], patch: Partial<JobResults['train']['settings']> = {}): JobResults['train'] {
  return {
    steps: losses.length,
    losses,
    tokensPerSecond: 1500.2,
    trainableParameters: 100,
    memory: { mode: 'resident-f32', estimateBytes: 1e9, budgetBytes: 8e9, freeBytes: 1e10, forced: false },
    out: '/d/p1/models/trained',
    evals: [],
    resumedFrom: null,
    trainingSequences: 10,
    dataHash: 'sha256:0123456789abcdef',
    trainableLayers: [2, 5, 8],
    trainGlobals: false,
    provider: 'cpu',
    threads: 2,
    seconds: 3,
    settings: {
      steps: losses.length,
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
      ...patch,
    },
  };
}

const applyOf = (id: string, plan: Plan, at: string) =>
  job(
    'apply',
    id,
    at,
    {
      result: {
        out: EXPANDED,
        layers: plan.counts.layers,
        parameters: plan.counts.parameters,
        trainableLayers: [],
        functionCheck: { checked: false, reason: 'x' },
        bytesWritten: 1,
        seconds: 1,
        sourceSha256: 'x',
      },
    },
    { modelDir: '/m', plan, out: EXPANDED },
  );
const trainOf = (id: string, at: string, result: JobResults['train']) => job('train', id, at, { result }, { modelDir: EXPANDED, out: '/d/p1/models/trained' });

// Newest first, as the history lists them: run B trained the LLaMA Pro build, run A the S build.
const history = () => [
  trainOf('train-b', '2026-01-01T13:00:00Z', trainResult([6, 5.5, 5.2], { lr: 3e-4 })),
  applyOf('apply-2', proPlan, '2026-01-01T12:00:00Z'),
  trainOf('train-a', '2026-01-01T11:00:00Z', trainResult([6, 5.6, 5.4])),
  applyOf('apply-1', sPlan, '2026-01-01T10:00:00Z'),
];

describe('history numbers', () => {
  it('give each kind of job its key result', () => {
    const evalResult = { perplexity: 12.345, qa: { accuracy: 0.625, accuracyNorm: 0.6, items: 8 } } as JobResults['eval'];
    expect(jobNumbers(trainOf('t', '', { ...trainResult([6, 5.25]), resumedFrom: 1 }))).toBe(
      'final loss 5.2500 · 2 steps · 1,500 tokens/s · resumed from step 1',
    );
    expect(jobNumbers(job('eval', 'e', '', { result: evalResult }, { split: 'validation' }))).toBe('perplexity 12.35 on validation · QA accuracy 62.5 %');
    expect(jobNumbers(applyOf('a', sPlan, ''))).toBe(`9 layers · ${Math.round(sPlan.counts.parameters / 1000)} K parameters · not checked`);
    expect(jobNumbers(job('train', 'f', '', { state: 'failed', error: 'out of memory' }))).toBe('');
  });

  it('time a job from its start to its end, or to now while it runs', () => {
    expect(jobDuration(job('train', 't', '', { startedAt: '2026-01-01T10:00:00Z', endedAt: '2026-01-01T10:02:30Z' }))).toBe(150_000);
    expect(jobDuration(job('train', 't', '', { startedAt: '2026-01-01T10:00:00Z', endedAt: null }), Date.parse('2026-01-01T10:00:10Z'))).toBe(10_000);
    expect(jobDuration(job('train', 't', '', { startedAt: null }))).toBeNull();
  });
});

describe('comparison', () => {
  it('sets two runs side by side and marks what differs', () => {
    const [b, , a] = history();
    const rows = settingsRows([a, b]);
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r]));
    expect(byLabel['Learning rate']).toMatchObject({ values: ['0.0001', '0.0003'], differs: true });
    expect(byLabel.Batch).toMatchObject({ values: ['2', '2'], differs: false });
    expect(byLabel['Final loss'].values).toEqual(['5.4000', '5.2000']);
    expect(byLabel['Data hash'].values).toEqual(['0123456789ab', '0123456789ab']);
    // An unfinished run: what its job set, the trainer's fixed defaults, and nothing for defaults that depend on the data.
    const stopped = job('train', 's', '', { state: 'cancelled' }, { steps: 40, lr: 1e-4 });
    const partial = Object.fromEntries(settingsRows([a, stopped]).map((r) => [r.label, r]));
    expect(partial.Steps.values).toEqual(['3', '40']);
    expect(partial.Batch).toMatchObject({ values: ['2', String(DEFAULTS.batch)], differs: true });
    expect(partial.Optimizer).toMatchObject({ values: ['adamw', DEFAULTS.optimizer], differs: false });
    expect(partial['Warmup steps']).toMatchObject({ values: ['1', null], differs: false });
    expect(partial['Final loss'].values).toEqual(['5.4000', null]);
    expect(partial['Trained layers'].values).toEqual(['2, 5, 8', null]);
  });

  it('finds the plan each run trained and compares it with the saved plan', () => {
    const jobs = history();
    expect(trainedPlan(jobs[2], jobs)).toBe(sPlan);
    expect(trainedPlan(jobs[0], jobs)).toBe(proPlan);
    expect(trainedPlan(job('train', 'x', '2026-01-01T09:00:00Z', {}, { modelDir: EXPANDED }), jobs)).toBeNull();
    const rows = Object.fromEntries(planRows([sPlan, sPlan, proPlan, null]).map((r) => [r.label, r]));
    expect(rows.Strategy).toMatchObject({ values: ['s', 's', 'llama-pro', null], missing: 'unknown', differs: true });
    expect(rows['Removed layers'].values.slice(0, 3)).toEqual(['7', '7', 'none']);
    expect(rows['New blocks after layers'].values[0]).toBe(
      sPlan.layers
        .filter((l) => l.kind === 'new')
        .map((l) => l.init.from[0])
        .join(', '),
    );
    expect(rows['Trained layers'].values[2]).toBe(
      proPlan.layers
        .filter((l) => l.trainable)
        .map((l) => l.index)
        .join(', '),
    );
    expect(planRows([sPlan, sPlan]).every((r) => !r.differs)).toBe(true);
  });
});

describe('history panel', () => {
  let jobs: JobRecord[];
  beforeEach(() => {
    jobs = [...history(), { ...job('corpus', 'other-project', '2026-01-01T09:00:00Z'), projectId: 'p2' }];
    window.slayer = {
      invoke: (async (method: string) => {
        if (method === 'jobs.list') return jobs;
        if (method === 'plan.load') return sPlan;
        throw new Error(`unexpected ${method}`);
      }) as SlayerApi['invoke'],
      on: (() => () => {}) as SlayerApi['on'],
    };
    setActivePinia(createPinia());
  });

  it("lists the project's jobs and compares two ticked training runs", async () => {
    await useJobsStore().load();
    useAppStore().project = { id: 'p1', name: 'Helpers', domain: 'code', createdAt: '', updatedAt: '', modelDir: '/m', dir: '/d/p1' } as Project;
    const w = mount(HistoryPanel, { global: { stubs: { EChart: true } } });
    await flushPromises();
    expect(w.findAll('tbody tr[data-job]').map((r) => r.attributes('data-job'))).toEqual(['train-b', 'apply-2', 'train-a', 'apply-1']);
    expect(w.get('[data-job="train-a"] [data-testid="job-numbers"]').text()).toBe('final loss 5.4000 · 3 steps · 1,500 tokens/s');

    await w.get('[data-job="train-a"] input[type="checkbox"]').setValue(true);
    // One run: its plan against the saved one.
    const diff = () =>
      Object.fromEntries(w.findAll('[data-testid="plan-diff"] tbody tr').map((r) => [r.get('th').text(), r.findAll('td').map((c) => c.text())]));
    expect(diff().Strategy).toEqual(['s', 's']);
    expect(w.find('[data-testid="compare-settings"]').exists()).toBe(false);

    await w.get('[data-job="train-b"] input[type="checkbox"]').setValue(true);
    await vi.waitFor(() => w.get('[data-testid="compare-settings"]'));
    const lr = w.findAll('[data-testid="compare-settings"] tbody tr').find((r) => r.get('th').text() === 'Learning rate')!;
    expect(lr.attributes('data-differs')).toBe('true');
    expect(lr.findAll('td').map((c) => c.text())).toEqual(['0.0001', '0.0003']);
    expect(diff().Strategy).toEqual(['s', 's', 'llama-pro']);
    expect(w.find('[data-testid="compare-chart"]').exists()).toBe(true);
    w.unmount();
  });
});
