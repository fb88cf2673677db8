/**
 * "Do the remaining steps for me": one progress view across the pipeline's stages — the stage
 * running (from the job's log), time so far and time left at the pace seen — Stop, resume after
 * the finished stages, and landing on the Evaluate step when every stage is done.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import RemainingSteps from '../../src/renderer/src/components/RemainingSteps.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { usePipelineStore } from '../../src/renderer/src/stores/pipeline';
import type { JobRecord } from '../../src/shared/jobs';
import type { PipelineStatus, StageState } from '../../src/shared/pipeline';
import { stageLabel, stepOfStage } from '../../src/shared/pipeline';
import type { Project, SlayerApi } from '../../src/shared/api';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const project: Project = { id: 'p1', name: 'Demo', domain: 'code', createdAt: '', updatedAt: '', modelDir: '/m', dir: '/data/projects/p1' };
const NAMES = [
  'model',
  'corpus',
  'score-domain',
  'score-general',
  'evaluate-base',
  'plan-s',
  'apply-s',
  'evaluate-built-s',
  'train-s',
  'evaluate-s',
  'export',
  'report',
];

function status(doneCount: number): PipelineStatus {
  return {
    missing: null,
    stages: NAMES.map((name, k) => ({
      name,
      label: stageLabel(name),
      step: stepOfStage(name),
      state: (k < doneCount ? 'done' : 'to-do') as StageState,
      seconds: k < doneCount ? 2 : null,
      finishedAt: null,
    })),
  };
}

function pipelineJob(patch: Partial<JobRecord<'pipeline'>>): JobRecord<'pipeline'> {
  return {
    id: 'run1',
    kind: 'pipeline',
    params: { projectDir: project.dir },
    projectId: 'p1',
    state: 'running',
    createdAt: new Date(T0).toISOString(),
    startedAt: new Date(T0).toISOString(),
    endedAt: null,
    progress: { fraction: 0.5, message: 'Training S (SLayer): step 1' },
    error: null,
    errorDetail: null,
    result: null,
    ...patch,
  };
}

let calls: [string, Record<string, unknown>][];
let listeners: Record<string, ((payload: unknown) => void)[]>;
let current: PipelineStatus;
let history: JobRecord[];
const emit = (event: string, payload: unknown) => listeners[event]?.forEach((l) => l(payload));

beforeEach(() => {
  vi.useFakeTimers({ now: T0 + 65_000 });
  calls = [];
  listeners = {};
  current = status(8);
  history = [pipelineJob({})];
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      calls.push([method, request]);
      if (method === 'jobs.list') return history;
      if (method === 'pipeline.status') return structuredClone(current);
      if (method === 'jobs.cancel') return pipelineJob({ state: 'cancelled', endedAt: new Date().toISOString(), error: 'Cancelled.' });
      if (method === 'jobs.start')
        return pipelineJob({ id: 'run2', state: 'queued', startedAt: null, progress: null, params: request.params as JobRecord<'pipeline'>['params'] });
      if (method === 'jobs.get') return history[0];
      throw new Error(`unexpected ${method}`);
    },
    on: (event: string, listener: (payload: unknown) => void) => {
      (listeners[event] ??= []).push(listener);
      return () => {};
    },
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});
afterEach(() => {
  useJobsStore().stopChecking();
  vi.useRealTimers();
});

async function mountView() {
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(RemainingSteps);
  await flushPromises();
  return w;
}

describe('the remaining-steps progress view', () => {
  it('shows the stage running, the time so far and the time left at the pace seen, across every stage', async () => {
    const w = await mountView();
    expect(w.find('[data-testid="remaining-progress"]').exists()).toBe(true);
    expect(w.get('[data-testid="remaining-elapsed"]').text()).toBe('1 min 5 s so far');
    // No pace yet: the view saw one progress value only.
    expect(w.get('[data-testid="remaining-left"]').text()).toBe('estimating the time left…');

    emit('job.log', { id: 'run1', line: 'train-s: running…' });
    await flushPromises();
    expect(w.get('[data-testid="remaining-current"]').text()).toBe('Now: Training S (SLayer)');
    expect(w.get('[data-stage="train-s"]').attributes('data-state')).toBe('running');
    expect(w.get('[data-stage="apply-s"]').attributes('data-state')).toBe('done');
    expect(w.get('[data-stage="report"]').attributes('data-state')).toBe('to-do');
    expect(w.text()).toContain('8 of 12 stages done');

    // 10 s after the view first saw it (the clock ticks once more) the job is at 60 %: 10 points in 10 s, so the 40 left take 40 s.
    vi.setSystemTime(T0 + 74_000);
    emit('job.progress', { id: 'run1', fraction: 0.6, message: 'Training S (SLayer): step 2' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.get('[data-testid="remaining-left"]').text()).toBe('about 40 s left');
    expect(w.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('60');
  });

  it('Stop keeps the finished stages, and the same button resumes after them with every remaining stage', async () => {
    const w = await mountView();
    await w.get('[data-testid="remaining-stop"]').trigger('click');
    await flushPromises();
    expect(calls.find(([m]) => m === 'jobs.cancel')![1]).toEqual({ id: 'run1' });
    // The status read after the stop: the stages finished so far are done.
    current = status(9);
    await usePipelineStore().refresh();
    await flushPromises();
    expect(w.get('[data-testid="remaining-stopped"]').text()).toContain(
      'The 9 finished stages are kept; resuming starts at “Measuring the trained S (SLayer) model”',
    );
    const resume = w.get('[data-testid="remaining-start"]');
    expect(resume.text()).toBe('Resume the remaining steps');
    await resume.trigger('click');
    await flushPromises();
    const start = calls.find(([m]) => m === 'jobs.start')![1];
    expect(start).toEqual({ kind: 'pipeline', params: { projectDir: project.dir }, projectId: 'p1' });
  });

  it('lands on the Evaluate step when a run of every stage succeeds, and says when nothing is left', async () => {
    const w = await mountView();
    const app = useAppStore();
    app.step = 'plan';
    current = status(NAMES.length);
    emit('job.updated', pipelineJob({ state: 'succeeded', endedAt: new Date().toISOString(), progress: { fraction: 1, message: 'Report written' } }));
    await flushPromises();
    expect(app.step).toBe('evaluate');
    expect(w.find('[data-testid="remaining-all-done"]').exists()).toBe(true);
    expect(w.find('[data-testid="remaining-start"]').exists()).toBe(false);
  });

  it('says what to choose first when the project cannot run its stages', async () => {
    current = { missing: "Choose your field's documents first (step 2, Corpus).", stages: [] };
    history = [];
    const w = await mountView();
    expect(w.get('[data-testid="remaining-missing"]').text()).toContain('documents');
    expect(w.get('[data-testid="remaining-start"]').attributes('disabled')).toBeDefined();
  });
});
