/**
 * "Quick scan" in the Analyze step: ticked, the score and probe jobs ask for int8 products and
 * keep the int8 weights in the data folder's weight cache; curves that came from a quick scan
 * say so (a note over the importance chart, the recorded settings, the probe labels), and the
 * toggle starts as the last measurement was made.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import AnalyzeStep from '../../src/renderer/src/steps/AnalyzeStep.vue';
import ProbePanel from '../../src/renderer/src/components/ProbePanel.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { corpusDir } from '../../src/renderer/src/stores/analysis';
import type { Project, Settings, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord } from '../../src/shared/jobs.js';
import type { ProbeResult, ScoreResult } from '../../src/shared/analysis.js';

const project: Project & { modelDir: string } = {
  id: 'p1',
  name: 'Law',
  domain: 'legal',
  createdAt: '',
  updatedAt: '',
  modelDir: '/models/m',
  dir: '/data/projects/p1',
};
const settings: Settings = { dataDir: '/data', threads: 2, provider: 'cpu', memoryLimitBytes: null, gpuMemoryBytes: null };
const memory = { mode: 'resident-int8', estimateBytes: 1e9, budgetBytes: 8e9, freeBytes: 1e10, forced: false } as const;
const quickRecord = { source: 'cache', cacheDir: '/data/weight-cache/abc', note: null, seconds: 0.4 } as const;

function job(id: string, kind: JobRecord['kind'], params: Record<string, unknown>, result: unknown): JobRecord {
  const at = '2026-01-02T00:00:00Z';
  return {
    id,
    kind,
    projectId: 'p1',
    state: 'succeeded',
    createdAt: at,
    startedAt: at,
    endedAt: at,
    progress: null,
    error: null,
    errorDetail: null,
    params,
    result,
  } as JobRecord;
}

const corpusJob = job('c', 'corpus', { modelDir: project.modelDir, out: corpusDir(project) }, { general: null });
corpusJob.createdAt = corpusJob.endedAt = '2026-01-01T00:00:00Z';

function score(precision: 'fp32' | 'int8'): ScoreResult {
  return {
    precision,
    quick: precision === 'int8' ? quickRecord : null,
    layers: [0.4, 0.2, 0.1, 0.15].map((a, index) => ({ index, angularLast: a, angularMean: a, blockInfluence: a / 2 })),
    samples: 16,
    seqLen: 64,
    seed: 0,
    dataHash: 'sha256:abc',
    tokens: 1024,
    model: { dir: project.modelDir, layers: 4 },
    provider: 'cpu',
    threads: 2,
    memory,
    seconds: 1.5,
  };
}

function probe(precision: 'fp32' | 'int8'): ProbeResult {
  const measure = (perplexity: number) => ({ perplexity, meanNll: Math.log(perplexity), qaAccuracy: null, qaAccuracyNorm: null });
  return {
    precision,
    quick: precision === 'int8' ? quickRecord : null,
    cache: { sequencesPerChunk: 8, bytes: 1e6 },
    blockRuns: { run: 10, uncached: 16 },
    kind: 'drop',
    init: null,
    layers: [30, 12, 11, 10].map((p, index) => ({ index, init: null, ...measure(p) })),
    baseline: measure(10),
    notes: [],
    seqLen: 64,
    samples: 8,
    seed: 0,
    dataHash: 'sha256:def',
    qaHash: null,
    tokens: 504,
    qaItems: null,
    model: { dir: project.modelDir, layers: 4 },
    provider: 'cpu',
    threads: 2,
    memory,
    seconds: 2,
  };
}

let started: { kind: string; params: Record<string, unknown> }[];
let history: JobRecord[];

beforeEach(() => {
  started = [];
  history = [];
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      if (method === 'jobs.list') return history;
      if (method === 'jobs.start') {
        started.push(request as never);
        return { ...job(`job-${started.length}`, request.kind as JobRecord['kind'], request.params as never, null), state: 'queued' };
      }
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
  const app = useAppStore();
  app.project = project;
  app.settings = settings;
});

describe('Quick scan', () => {
  it('ticked, the score job asks for int8 and the weight cache in the data folder', async () => {
    history = [corpusJob];
    await useJobsStore().load();
    const w = mount(AnalyzeStep);
    await flushPromises();
    const box = w.get('[data-testid="quick-scan"]');
    expect((box.element as HTMLInputElement).checked).toBe(false);
    await box.setValue(true);
    await w.get('[data-testid="measure-layers"]').trigger('click');
    await flushPromises();
    expect(started).toHaveLength(1);
    expect(started[0].params).toMatchObject({ split: 'train', precision: 'int8', weightCache: '/data/weight-cache' });
  });

  it('unticked, the job is the usual fp32 one', async () => {
    history = [corpusJob];
    await useJobsStore().load();
    const w = mount(AnalyzeStep);
    await flushPromises();
    await w.get('[data-testid="measure-layers"]').trigger('click');
    await flushPromises();
    expect(started[0].params).not.toHaveProperty('precision');
    expect(started[0].params).not.toHaveProperty('weightCache');
  });

  it('a curve from a quick scan says so, and the toggle starts ticked', async () => {
    history = [job('s', 'score', { modelDir: project.modelDir, data: corpusDir(project), split: 'train', precision: 'int8' }, score('int8')), corpusJob];
    await useJobsStore().load();
    const w = mount(AnalyzeStep);
    await flushPromises();
    expect((w.get('[data-testid="quick-scan"]').element as HTMLInputElement).checked).toBe(true);
    expect(w.get('[data-testid="quick-scan-note"]').text()).toMatch(/^Quick scan \(your documents\): the layers' products ran in int8/);
    expect(w.get('[data-testid="recorded-settings"] tbody tr').text()).toContain('int8 quick scan');
  });

  it('no note for a full-precision curve', async () => {
    history = [job('s', 'score', { modelDir: project.modelDir, data: corpusDir(project), split: 'train' }, score('fp32')), corpusJob];
    await useJobsStore().load();
    const w = mount(AnalyzeStep);
    await flushPromises();
    expect(w.find('[data-testid="quick-scan-note"]').exists()).toBe(false);
    expect((w.get('[data-testid="quick-scan"]').element as HTMLInputElement).checked).toBe(false);
  });

  it('probes follow the toggle and label quick curves', async () => {
    const params = { modelDir: project.modelDir, data: corpusDir(project), split: 'validation', samples: 32, kind: 'drop', precision: 'int8' };
    history = [job('d', 'probe', params, probe('int8'))];
    await useJobsStore().load();
    const w = mount(ProbePanel, { props: { project, quick: true } });
    await flushPromises();
    expect(w.get('[data-testid="probes-quick"]').text()).toBe('as a quick scan (int8)');
    expect(w.get('[data-testid="probe-quick-note"]').text()).toMatch(/^Probes marked "quick scan" ran with int8 products/);
    expect(w.get('[data-testid="recorded-settings"] tbody tr').text()).toContain('drop layer i (quick scan)');
    await w.get('[data-testid="run-probes"]').trigger('click');
    await flushPromises();
    expect(started.map((s) => s.params)).toEqual([
      expect.objectContaining({ kind: 'drop', precision: 'int8', weightCache: '/data/weight-cache' }),
      expect.objectContaining({ kind: 'insert', precision: 'int8', weightCache: '/data/weight-cache' }),
    ]);
  });
});
