import { describe, expect, it, beforeEach } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import WizardStepper from '../../src/renderer/src/components/WizardStepper.vue';
import JobsPanel from '../../src/renderer/src/components/JobsPanel.vue';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { steps } from '../../src/renderer/src/steps';
import type { JobRecord } from '../../src/shared/jobs';
import type { SlayerApi } from '../../src/shared/api';

function record(patch: Partial<JobRecord>): JobRecord {
  return {
    id: 'j1',
    kind: 'hash-folder',
    params: {},
    projectId: null,
    state: 'running',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: '2026-01-01T00:00:00Z',
    endedAt: null,
    progress: { fraction: 0.4, message: 'Hashing a.bin' },
    error: null,
    errorDetail: null,
    result: null,
    ...patch,
  } as JobRecord;
}

describe('wizard stepper', () => {
  it('lists the seven steps in order and marks the current one', () => {
    const w = mount(WizardStepper, { props: { current: 'plan' } });
    expect(w.findAll('li').map((li) => li.find('.title').text())).toEqual(['Model', 'Corpus', 'Analyze', 'Plan', 'Inject', 'Evaluate', 'Export']);
    expect(w.find('[aria-current="step"]').attributes('data-step')).toBe('plan');
  });

  it('moves with the arrow keys and emits the chosen step', async () => {
    const w = mount(WizardStepper, { props: { current: 'model' }, attachTo: document.body });
    await w.find('[data-step="model"]').trigger('keydown', { key: 'ArrowDown' });
    await w.find('[data-step="corpus"]').trigger('click');
    expect(w.emitted('select')).toEqual([['corpus'], ['corpus']]);
    w.unmount();
    expect(steps).toHaveLength(7);
  });
});

describe('jobs panel', () => {
  const calls: [string, unknown][] = [];
  beforeEach(() => {
    calls.length = 0;
    const bridge: SlayerApi = {
      invoke: async (method, request) => {
        calls.push([method, request]);
        return record({ state: 'cancelled', error: 'Cancelled.' }) as never;
      },
      on: () => () => {},
    };
    window.slayer = bridge;
    setActivePinia(createPinia());
  });

  it('shows progress of a running job and cancels it through the API', async () => {
    const store = useJobsStore();
    store.jobs = [record({})];
    const w = mount(JobsPanel);
    expect(w.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('40');
    expect(w.text()).toContain('Hashing a.bin');
    await w.find('button.cancel').trigger('click');
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual([['jobs.cancel', { id: 'j1' }]]);
    expect(w.find('[data-state="cancelled"]').exists()).toBe(true);
  });

  it('shows a failed job as a plain message with details folded away', async () => {
    const store = useJobsStore();
    store.jobs = [record({ state: 'failed', endedAt: '2026-01-01T00:01:00Z', error: 'The compute process ran out of memory.', errorDetail: 'FATAL stack' })];
    const w = mount(JobsPanel);
    expect(w.find('[role="alert"]').text()).toContain('ran out of memory');
    expect(w.text()).not.toContain('FATAL stack');
    await w.find('.details-toggle').trigger('click');
    expect(w.text()).toContain('FATAL stack');
  });
});
