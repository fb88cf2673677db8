/** The line before a long job: time and disk from main's estimate, or the refusal when it will not fit. */
import { describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import EstimateLine from '../../src/renderer/src/components/EstimateLine.vue';
import type { SlayerApi } from '../../src/shared/api';
import type { JobEstimate } from '../../src/shared/job-estimate';

// The renderer keeps the first bridge it finds: one bridge answers with the estimate of the test.
let current: { estimate: JobEstimate | null; calls: unknown[] } = { estimate: null, calls: [] };
const bridge: SlayerApi = {
  invoke: async (method, request) => {
    current.calls.push([method, request]);
    return current.estimate as never;
  },
  on: () => () => {},
};
window.slayer = bridge;

function answer(estimate: JobEstimate, calls: unknown[] = []): void {
  current = { estimate, calls };
}

const base: JobEstimate = {
  kind: 'train',
  seconds: 150,
  basis: 'From earlier training runs, on the CPU.',
  diskBytes: 3 * 2 ** 30,
  freeBytes: 40 * 2 ** 30,
  refusal: null,
};

describe('EstimateLine', () => {
  it('asks main for the job as it would start, and shows time and disk', async () => {
    const calls: unknown[] = [];
    answer(base, calls);
    const w = mount(EstimateLine, { props: { kind: 'train', params: { modelDir: '/m', data: '/d', out: '/o', steps: 10 } } });
    await flushPromises();
    expect(calls).toEqual([['estimate.job', { kind: 'train', params: { modelDir: '/m', data: '/d', out: '/o', steps: 10 } }]]);
    expect(w.text()).toContain('About 2 min 30 s on this machine. Writes about 3.0 GB (40.0 GB free).');
    expect(w.text()).toContain('From earlier training runs, on the CPU.');
  });

  it('multiplies time and disk for a step that starts several such jobs', async () => {
    answer({ ...base, kind: 'score', diskBytes: 0, freeBytes: null });
    const w = mount(EstimateLine, { props: { kind: 'score', params: { modelDir: '/m' }, repeat: 2 } });
    await flushPromises();
    expect(w.text()).toContain('About 5 min 0 s on this machine for all 2.');
  });

  it('shows the refusal as an alert', async () => {
    answer({ ...base, refusal: 'Training needs about 3.0 GB on disk, but /o has 1.0 GB free. Free at least 2.3 GB there.' });
    const w = mount(EstimateLine, { props: { kind: 'train', params: { modelDir: '/m' } } });
    await flushPromises();
    expect(w.get('[role="alert"]').text()).toMatch(/^Training needs about 3\.0 GB on disk/);
  });
});
