/**
 * The settings and start of the next training run (TrainStart), mounted on its own over the inject
 * store: the time a run takes at the last run's speed (for set steps and for one pass over the
 * corpus), the memory estimate asked for the form's batch shape, and a refused start in words.
 * Expected values are worked out by hand in the comments.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import TrainStart from '../../src/renderer/src/components/inject/TrainStart.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useInjectStore } from '../../src/renderer/src/stores/inject';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { defaultForm } from '../../src/renderer/src/train-settings';
import { estimatePlan, makePlan } from '../../src/main/plan/index.js';
import type { SlayerApi } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import type { PlanOptions } from '../../src/shared/plan.js';
import { finishedJob, model, project, sPlan } from './inject-fixtures.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

const job = (kind: JobRecord['kind'], id: string, params: Record<string, unknown>, result: unknown) =>
  finishedJob(kind, id, '2026-01-01T09:00:00Z', { result }, params);

/** A corpus of 1,000 training sequences of 64 tokens (64,000 tokens). */
const corpus = job('corpus', 'corpus-1', { modelDir: '/m/base', out: '/d/p1/corpus', seqLen: 64 }, {
  seqLen: 64,
  split: {
    seed: 0,
    validationFraction: 0.1,
    train: { documents: 10, tokens: 64_000, sequences: 1000 },
    validation: { documents: 1, tokens: 100, sequences: 1 },
  },
  general: null,
} as unknown as JobResults['corpus']);
const built = job(
  'apply',
  'apply-1',
  { modelDir: '/m/base', plan: sPlan, out: '/d/p1/models/s-expanded', overwrite: false },
  { trainableLayers: [2], functionCheck: { checked: false, reason: 'x' } },
);
/** The last finished run: 2,000 tokens per second. */
const lastRun = job('train', 'train-1', { modelDir: '/d/p1/models/s-expanded', out: '/d/p1/models/s-trained', resume: false }, { tokensPerSecond: 2000 });

let calls: [string, Record<string, unknown>][];
let refuse: string | null;
const settingsFiles = new FakeProjectSettings();
const bridge: SlayerApi = {
  invoke: (async (method: string, request: Record<string, unknown>) => {
    const setting = settingsFiles.answer(method, request);
    if (setting !== NOT_SETTINGS) return setting;
    calls.push([method, request]);
    switch (method) {
      case 'jobs.list':
        return [lastRun, built, corpus];
      case 'plan.make': {
        const plan = makePlan(model, request.options as PlanOptions);
        const machine = { totalBytes: 2 ** 34, freeBytes: 2 ** 33 };
        return { plan, estimate: estimatePlan(plan, model, { batch: request.batch as number, seqLen: request.seqLen as number, machine }) };
      }
      case 'jobs.start':
        if (refuse) throw new Error(refuse);
        return job('train', 'train-2', request.params as Record<string, unknown>, null);
    }
    throw new Error(`unexpected ${method}`);
  }) as SlayerApi['invoke'],
  on: (() => () => {}) as SlayerApi['on'],
};

beforeEach(() => {
  calls = [];
  refuse = null;
  window.slayer = bridge;
  setActivePinia(createPinia());
});

async function mountStart(form: Partial<ReturnType<typeof defaultForm>>) {
  await useJobsStore().load();
  useAppStore().project = project;
  const inject = useInjectStore();
  inject.savedPlan = sPlan;
  inject.form = { ...defaultForm(64), ...form };
  const w = mount(TrainStart, { global: { stubs: { EChart: true } } });
  await flushPromises();
  return w;
}

describe('the next training run', () => {
  it('says how long set steps take at the last run speed', async () => {
    // 600 steps × 4 sequences × 2 accumulated × 64 tokens = 307,200 tokens; / 2,000 tokens/s = 153.6 s ≈ 2 min 34 s.
    const w = await mountStart({ steps: 600, batch: 4, gradAccum: 2 });
    expect(w.get('[data-testid="time-hint"]').text()).toBe("At your last run's speed (2,000 tokens/s), 600 steps take about 2 min 34 s.");
    w.unmount();
  });

  it('counts one pass over the corpus when no steps are set, at its own or a new sequence length', async () => {
    // 1,000 sequences / (4 × 2) = 125 steps; 125 × 4 × 2 × 64 = 64,000 tokens / 2,000 = 32 s.
    const w = await mountStart({ steps: null, batch: 4, gradAccum: 2 });
    expect(w.get('[data-testid="time-hint"]').text()).toBe("At your last run's speed (2,000 tokens/s), 125 steps take about 32 s.");
    w.unmount();
    // At 128 tokens the 64,000 tokens make 500 sequences: 500 / 8 = 62.5 → 63 steps; 63 × 8 × 128 = 64,512 tokens / 2,000 = 32.3 s ≈ 32 s.
    const longer = await mountStart({ steps: null, batch: 4, gradAccum: 2, seqLen: 128 });
    expect(longer.get('[data-testid="time-hint"]').text()).toBe("At your last run's speed (2,000 tokens/s), 63 steps take about 32 s.");
    longer.unmount();
  });

  it("asks for the memory estimate at the form's batch shape, and shows it as a fit bar", async () => {
    const w = await mountStart({ batch: 3, seqLen: 48 });
    const asked = calls.filter(([m]) => m === 'plan.make').map(([, r]) => [r.batch, r.seqLen]);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every(([b, s]) => b === 3 && s === 48)).toBe(true);
    await vi.waitFor(() => expect(w.text()).toContain('Training memory'));
    expect(w.text()).toContain('AdamW with fp32 weights, 3 sequences × 48 tokens per pass');
    w.unmount();
  });

  it('starts a new run into models/s-trained, and says in words why a start was refused', async () => {
    const w = await mountStart({ steps: 10 });
    expect(w.get('[data-testid="start-training"]').text()).toBe('Train again');
    refuse = 'Another job is using the compute process; wait for it to finish.';
    await w.get('[data-testid="start-training"]').trigger('click');
    await flushPromises();
    expect(w.text()).toContain('Another job is using the compute process; wait for it to finish.');
    const starts = calls.filter(([m]) => m === 'jobs.start').map(([, r]) => r);
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({
      kind: 'train',
      projectId: 'p1',
      params: { modelDir: '/d/p1/models/s-expanded', out: '/d/p1/models/s-trained', steps: 10, resume: false },
    });
    w.unmount();
  });
});
