/**
 * The Welcome screen: three ways in, each with how long it takes here, and what each does through
 * the API (the demo project is made in main; the renderer names no path of the installation).
 */
import { describe, expect, it, beforeEach } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import WelcomeScreen from '../../src/renderer/src/components/WelcomeScreen.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import type { Project, SlayerApi } from '../../src/shared/api';
import type { WelcomeEstimates } from '../../src/shared/job-estimate';

const project = (id: string, name: string): Project => ({
  id,
  name,
  domain: 'code',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z',
  modelDir: '/models/m',
  dir: `/data/projects/${id}`,
});

let calls: [string, unknown][];
let estimates: WelcomeEstimates;

function fake(): SlayerApi {
  return {
    invoke: async (method, request) => {
      calls.push([method, request]);
      if (method === 'estimate.welcome') return estimates as never;
      if (method === 'projects.createDemo') return { project: project('demo-code-1', 'Demo: code knowledge'), settings: {}, corpusJob: {} } as never;
      if (method === 'models.list') return { cacheDir: '/hf', models: [] } as never;
      if (method === 'fs.browse') return { path: '/home', parent: '/', entries: [], hasConfig: false } as never;
      if (method === 'projects.create') return project('new-1', (request as { name: string }).name) as never;
      if (method === 'projects.update') return { ...project('new-1', 'x'), modelDir: (request as { modelDir: string }).modelDir } as never;
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  };
}

beforeEach(() => {
  calls = [];
  estimates = {
    demoAnalyze: { kind: 'score', seconds: 90, basis: 'From this machine', diskBytes: 0, freeBytes: null, refusal: null },
    analyzeSecondsPerBillion: 120,
  };
  window.slayer = fake();
  setActivePinia(createPinia());
});

describe('Welcome screen', () => {
  it('offers the three ways in, each with its time on this machine', async () => {
    const w = mount(WelcomeScreen);
    await flushPromises();
    expect(w.findAll('h2').map((h) => h.text())).toEqual(['Try it with the demo', 'Use a model on this machine', 'Open a project']);
    // 90 s -> "1 min 30 s"; 120 s per billion -> "2 min", a 7B model 840 s -> "14 min 0 s".
    expect(w.get('[data-testid="welcome-demo-time"]').text()).toBe('Ready in a few seconds; measuring its layers then takes about 1 min 30 s on this machine.');
    expect(w.get('[data-testid="welcome-local-time"]').text()).toContain(
      'about 2 min 0 s per billion parameters on this machine (a 7B model: about 14 min 0 s)',
    );
    expect(w.text()).toContain('No projects yet in this data folder.');
  });

  it('says the first job measures the machine when nothing has run yet', async () => {
    estimates = { demoAnalyze: { ...estimates.demoAnalyze, seconds: null }, analyzeSecondsPerBillion: null };
    const w = mount(WelcomeScreen);
    await flushPromises();
    expect(w.get('[data-testid="welcome-demo-time"]').text()).toMatch(/first analysis then measures how fast this machine is/);
    expect(w.get('[data-testid="welcome-local-time"]').text()).toMatch(/the first one measures this machine/);
  });

  it('"Try it with the demo" asks main for the demo project, opens it and lands on Analyze', async () => {
    const app = useAppStore();
    const w = mount(WelcomeScreen);
    await flushPromises();
    await w.get('[data-testid="welcome-demo"]').trigger('click');
    await flushPromises();
    expect(calls.find(([m]) => m === 'projects.createDemo')).toEqual(['projects.createDemo', { domain: 'code' }]);
    expect(app.project?.id).toBe('demo-code-1');
    expect(app.step).toBe('analyze');
  });

  it('"Use a model on this machine" shows the cache list and the folder picker, and makes a project on the chosen folder', async () => {
    const app = useAppStore();
    const w = mount(WelcomeScreen);
    await flushPromises();
    await w.get('[data-testid="welcome-local"]').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="cached-models"]').exists()).toBe(true);
    expect(w.find('[data-testid="choose-folder"]').exists()).toBe(true);
    await w.get('select').setValue('legal');
    await w.findComponent({ name: 'CachedModels' }).vm.$emit('choose', '/hf/models--org--law-7b/snapshots/abc123');
    await flushPromises();
    expect(calls.filter(([m]) => m === 'projects.create' || m === 'projects.update')).toEqual([
      ['projects.create', { name: 'org/law-7b · legal', domain: 'legal' }],
      ['projects.update', { id: 'new-1', modelDir: '/hf/models--org--law-7b/snapshots/abc123' }],
    ]);
    expect(app.step).toBe('model');
  });

  it('"Open a project" lists the projects and opens the one chosen', async () => {
    const app = useAppStore();
    app.projects = [project('a-1', 'Contracts'), project('b-2', 'Proofs')];
    const w = mount(WelcomeScreen);
    await flushPromises();
    const buttons = w.get('[data-testid="welcome-projects"]').findAll('button');
    expect(buttons.map((b) => b.text())).toEqual(['Contracts', 'Proofs']);
    await buttons[1].trigger('click');
    expect(app.project?.id).toBe('b-2');
  });
});
