/**
 * The settings the remaining steps run with: each change is saved to settings.json `pipeline`
 * (the file `slayer run --out PROJECT` reads) and the stage list is read again; a value the file
 * would refuse is not saved and the form says what to enter; the recommended settings come back
 * with one button; nothing changes while a run is going.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import PipelineSettingsForm from '../../src/renderer/src/components/PipelineSettingsForm.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import type { JobRecord } from '../../src/shared/jobs';
import type { Project, SlayerApi } from '../../src/shared/api';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings';

const project: Project = { id: 'p1', name: 'Demo', domain: 'code', createdAt: '', updatedAt: '', modelDir: '/m', dir: '/data/projects/p1' };
let files: FakeProjectSettings;
let calls: string[];
let history: JobRecord[];

beforeEach(() => {
  files = new FakeProjectSettings();
  calls = [];
  history = [];
  window.slayer = {
    invoke: async (method: string, request: unknown) => {
      calls.push(method);
      const settings = files.answer(method, request);
      if (settings !== NOT_SETTINGS) return settings;
      if (method === 'jobs.list') return history;
      if (method === 'pipeline.status') return { missing: null, stages: [] };
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});

async function mountForm() {
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(PipelineSettingsForm);
  await flushPromises();
  return w;
}

describe('the pipeline settings form', () => {
  it('shows the recommended settings in words and saves each change to settings.json', async () => {
    const w = await mountForm();
    expect(w.get('[data-testid="pipeline-settings-summary"]').text()).toBe('(200 steps, batch 8, compared with LLaMA Pro, last-k, one seed)');
    expect((w.get('[data-setting="steps"]').element as HTMLInputElement).value).toBe('200');
    expect((w.get('[data-rule="deepest"]').element as HTMLInputElement).checked).toBe(true);
    expect(w.find('[data-testid="pipeline-settings-reset"]').exists()).toBe(false);

    await w.get('[data-setting="steps"]').setValue('50');
    await w.get('[data-setting="seeds"]').setValue('3');
    await w.get('[data-setting="loraRank"]').setValue('16');
    await w.get('[data-baseline="full"]').setValue(true);
    await w.get('[data-baseline="llama-pro"]').setValue(false);
    await w.get('[data-rule="gromov"]').setValue(true);
    await flushPromises();
    const saved = files.get('p1').pipeline;
    expect([saved.steps, saved.seeds, saved.loraRank, saved.baselines, saved.pruneRule]).toEqual([50, 3, 16, ['last-k', 'full'], 'gromov']);
    // Untouched settings keep their recommended values.
    expect([saved.batch, saved.lr, saved.scoreSamples, saved.evalSamples]).toEqual([8, 1e-4, 64, 64]);
    expect(w.get('[data-testid="pipeline-settings-summary"]').text()).toBe('(50 steps, batch 8, compared with last-k, full fine-tuning, 3 seeds)');
    // The stage list is read again after the change (stages it affects become stale).
    expect(calls.filter((m) => m === 'pipeline.status').length).toBeGreaterThan(1);
  });

  it('refuses a value settings.json would refuse, says what to enter, and keeps the saved one', async () => {
    const w = await mountForm();
    const steps = w.get('[data-setting="steps"]');
    await steps.setValue('2.5');
    await flushPromises();
    expect(w.get('[data-testid="pipeline-settings-error"]').text()).toBe('Training steps was not changed: enter a whole number of 1 or more.');
    expect((steps.element as HTMLInputElement).value).toBe('200');
    await w.get('[data-setting="lr"]').setValue('0');
    await flushPromises();
    expect(w.get('[data-testid="pipeline-settings-error"]').text()).toBe(
      'Learning rate was not changed: enter a number above 0 and at most 10, such as 0.0001.',
    );
    await w.get('[data-setting="seeds"]').setValue('101');
    await flushPromises();
    expect(files.get('p1').pipeline.seeds).toBe(1);
    expect(files.get('p1').pipeline.steps).toBe(200);
    expect(files.get('p1').pipeline.lr).toBe(1e-4);
    // A valid value clears the message; an empty LoRA rank means "as many weights as S".
    await w.get('[data-setting="loraRank"]').setValue('');
    await flushPromises();
    expect(w.find('[data-testid="pipeline-settings-error"]').exists()).toBe(false);
    expect(files.get('p1').pipeline.loraRank).toBe(null);
  });

  it('brings back the recommended settings with one button', async () => {
    files = new FakeProjectSettings({ p1: { pipeline: { steps: 7, baselines: ['lora'], pruneRule: 'scores', domainQa: '/qa.jsonl' } } });
    const w = await mountForm();
    await w.get('[data-testid="pipeline-settings-reset"]').trigger('click');
    await flushPromises();
    const saved = files.get('p1').pipeline;
    expect([saved.steps, saved.baselines, saved.pruneRule]).toEqual([200, ['llama-pro', 'last-k'], 'deepest']);
    // Questions and tasks are chosen elsewhere and stay.
    expect(saved.domainQa).toBe('/qa.jsonl');
    expect(w.find('[data-testid="pipeline-settings-reset"]').exists()).toBe(false);
  });

  it('changes nothing while a run is going', async () => {
    history = [
      {
        id: 'run1',
        kind: 'pipeline',
        params: { projectDir: project.dir },
        projectId: 'p1',
        state: 'running',
        createdAt: '',
        startedAt: '',
        endedAt: null,
        progress: null,
        error: null,
        errorDetail: null,
        result: null,
      },
    ];
    const w = await mountForm();
    expect(w.get('[data-setting="steps"]').attributes('disabled')).toBeDefined();
    expect(w.get('fieldset').attributes('disabled')).toBeDefined();
  });
});
