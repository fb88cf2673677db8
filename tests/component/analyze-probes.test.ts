/**
 * The behaviour-probe panel: Run starts a drop-one and an insert-one job on the held-out part of
 * the project's corpus, and finished probes (real runs on a generated model) are drawn and read
 * out in words.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ProbePanel from '../../src/renderer/src/components/ProbePanel.vue';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { readProbe } from '../../src/renderer/src/layer-reading';
import { probeLayers } from '../../src/main/analysis/index.js';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { tempDir } from '../helpers/tmp.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

const settingsFiles = new FakeProjectSettings();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let project: Project & { modelDir: string };
let drop: JobResults['probe'];
let insert: JobResults['probe'];

beforeAll(async () => {
  tmp = await tempDir('slayer-probes-');
  const modelDir = join(tmp.dir, 'tiny-llama');
  await generateTestModel(modelDir, { layers: 4, hiddenSize: 32, intermediateSize: 64, heads: 2, vocabSize: 400, seed: 2, dtype: 'f32' });
  const data = join(tmp.dir, 'text');
  await mkdir(data);
  await writeFile(join(data, 'notes.txt'), Array.from({ length: 60 }, (_, i) => `Lemma ${i}: the sum of the first ${i} odd numbers is ${i * i}.`).join('\n'));
  drop = await probeLayers(modelDir, { data, kind: 'drop', seqLen: 32, samples: 4 });
  insert = await probeLayers(modelDir, { data, kind: 'insert', init: 'average', seqLen: 32, samples: 4 });
  project = { id: 'p1', name: 'Math', domain: 'math', createdAt: '', updatedAt: '', modelDir, dir: '/projects/p1' };
}, 60_000);
afterAll(async () => tmp.cleanup());

let started: Record<string, unknown>[];
let history: JobRecord[];

beforeEach(() => {
  started = [];
  history = [];
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      if (method === 'jobs.list') return history;
      if (method === 'jobs.start') {
        started.push(request);
        return {
          id: `job-${started.length}`,
          kind: request.kind,
          params: request.params,
          projectId: request.projectId,
          state: 'queued',
          createdAt: new Date().toISOString(),
          startedAt: null,
          endedAt: null,
          progress: null,
          error: null,
          errorDetail: null,
          result: null,
        };
      }
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});

const finished = (id: string, params: Record<string, unknown>, result: unknown): JobRecord =>
  ({
    id,
    kind: 'probe',
    projectId: 'p1',
    state: 'succeeded',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    endedAt: '2026-01-01T00:01:00Z',
    progress: null,
    error: null,
    errorDetail: null,
    params,
    result,
  }) as JobRecord;

describe('behaviour probes panel', () => {
  it('runs drop-one and insert-one on the validation split of the project corpus', async () => {
    await useJobsStore().load();
    const w = mount(ProbePanel, { props: { project } });
    await w.get('select[aria-label="Inserted block starts as"]').setValue('average');
    await w.get('input[aria-label="Probe samples"]').setValue('8');
    await w.get('[data-testid="run-probes"]').trigger('click');
    await flushPromises();
    const common = { modelDir: project.modelDir, data: '/projects/p1/corpus', split: 'validation', samples: 8 };
    expect(started).toEqual([
      { kind: 'probe', params: { ...common, kind: 'drop' }, projectId: 'p1' },
      { kind: 'probe', params: { ...common, kind: 'insert', init: 'average' }, projectId: 'p1' },
    ]);
    // Both queued: their progress shows and Run waits for them.
    expect(w.findAll('[role="progressbar"]')).toHaveLength(2);
    expect(w.get('[data-testid="run-probes"]').attributes('disabled')).toBeDefined();
  });

  it('draws and reads the finished probes with their recorded settings', async () => {
    const params = { modelDir: project.modelDir, data: '/projects/p1/corpus', split: 'validation', samples: 4 };
    history = [finished('d', { ...params, kind: 'drop' }, drop), finished('i', { ...params, kind: 'insert', init: 'average' }, insert)];
    await useJobsStore().load();
    const w = mount(ProbePanel, { props: { project } });
    await flushPromises();
    expect(w.find('[data-testid="probe-chart"]').exists()).toBe(true);
    const paragraphs = w.findAll('[data-testid="probe-reading"] p').map((p) => p.text());
    expect(paragraphs.slice(0, 2)).toEqual([readProbe(drop).sentences.join(' '), readProbe(insert).sentences.join(' ')]);
    const rows = w.findAll('[data-testid="recorded-settings"] tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[0].text()).toContain('drop layer i');
    expect(rows[1].text()).toContain('insert a block after layer i (average)');
    expect(rows[0].findAll('td')[1].text()).toBe(String(drop.samples));
  });
});
