/**
 * The Evaluate step on a real project folder: a generated 4-layer model and, in models/s-trained, a
 * generated model of the S plan's shape (the surgery itself runs in the e2e test; it needs Node's
 * own URL handling, which happy-dom replaces), the eval results in the job history. The step
 * finds the trained model, shows the before/after table and the forgetting verdict for the limit,
 * starts the four eval jobs with the settings its command line shows, and shows the pipeline's
 * report as report.json says (the step writes no report of its own).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import EvaluateStep from '../../src/renderer/src/steps/EvaluateStep.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { inspectModel } from '../../src/main/inspect/inspect.js';
import { makePlan } from '../../src/main/plan/index.js';
import { tempDir } from '../helpers/tmp.js';
import type { BrowseResult, Project, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import type { Plan } from '../../src/shared/plan.js';
import type { RunReport } from '../../src/shared/report.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

let settingsFiles = new FakeProjectSettings();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let base: string;
let trained: string;
let plan: Plan;
let project: Project;
let corpus: string;

beforeAll(async () => {
  tmp = await tempDir('slayer-evaluate-step-');
  base = join(tmp.dir, 'tiny-llama');
  const shape = { hiddenSize: 64, intermediateSize: 128, heads: 4, kvHeads: 2, vocabSize: 400, seed: 3, dtype: 'f32' as const };
  const { description } = await generateTestModel(base, { layers: 4, ...shape });
  plan = makePlan(description, { strategy: 's' });
  project = { id: 'p1', name: 'Helpers', domain: 'code', createdAt: '', updatedAt: '', modelDir: base, dir: join(tmp.dir, 'project') };
  trained = join(project.dir, 'models', 's-trained');
  await generateTestModel(trained, { layers: plan.counts.layers, ...shape });
  corpus = join(project.dir, 'corpus');
  await mkdir(corpus);
  await writeFile(join(corpus, 'corpus.json'), '{}');
});
afterAll(async () => tmp.cleanup());

/** An eval result with the given perplexity and, optionally, general-question accuracy. */
function evalResult(dir: string, perplexity: number, accuracy: number | null): JobResults['eval'] {
  return {
    meanNll: Math.log(perplexity),
    perplexity,
    tokens: 2032,
    qa: accuracy === null ? null : { accuracy, accuracyNorm: accuracy, items: 50 },
    seqLen: 128,
    samples: 16,
    seed: 0,
    dataHash: `sha256:${perplexity}`,
    qaHash: accuracy === null ? null : 'sha256:qa',
    model: { dir, layers: 4 },
    provider: 'cpu',
    threads: 2,
    memory: { mode: 'resident-f32', estimateBytes: 1e9, budgetBytes: 8e9, freeBytes: 1e10, forced: false },
    seconds: 1.5,
  };
}

function evalJob(id: string, dir: string, split: string, result: JobResults['eval']): JobRecord {
  return {
    id,
    kind: 'eval',
    projectId: 'p1',
    state: 'succeeded',
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: '2026-01-01T00:00:00Z',
    endedAt: '2026-01-01T00:00:02Z',
    progress: null,
    error: null,
    errorDetail: null,
    result,
    params: { modelDir: dir, data: corpus, split, seqLen: 128, samples: 16, seed: 0, ...(result.qaHash ? { qa: '/qa/general.jsonl' } : {}) },
  } as JobRecord;
}

// Base: domain 20, general 10 (general questions 50 %); injected: domain 15, general 10.8 (44 %).
const history = () => [
  evalJob('bd', base, 'validation', evalResult(base, 20, null)),
  evalJob('bg', base, 'general-validation', evalResult(base, 10, 0.5)),
  evalJob('id', trained, 'validation', evalResult(trained, 15, null)),
  evalJob('ig', trained, 'general-validation', evalResult(trained, 10.8, 0.44)),
];

/** fs.browse as main answers it, on the real folders. */
async function browse(path: string): Promise<BrowseResult> {
  const names = await readdir(path, { withFileTypes: true });
  return {
    path,
    parent: null,
    hasConfig: names.some((n) => n.name === 'config.json'),
    entries: names.map((n) => ({ name: n.name, path: join(path, n.name), kind: n.isDirectory() ? ('dir' as const) : ('file' as const), bytes: 0 })),
  };
}

let calls: [string, Record<string, unknown>][];
let report: RunReport | null;
let jobs: JobRecord[];

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  settingsFiles = new FakeProjectSettings({
    p1: { steps: { runs: { evaluate: { 'base-domain': 'bd', 'base-general': 'bg', 'injected-domain': 'id', 'injected-general': 'ig' } } } },
  });
  calls = [];
  report = null;
  jobs = history();
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      calls.push([method, request]);
      if (method === 'jobs.list') return jobs;
      if (method === 'fs.browse') return browse(request.path as string);
      if (method === 'model.inspect') return inspectModel(request.dir as string);
      if (method === 'plan.load') return plan;
      if (method === 'report.read') return { html: report ? '<html></html>' : null, path: join(project.dir, 'report.html'), report };
      if (method === 'pipeline.status') return { missing: null, stages: [] };
      if (method === 'app.openPath') return { opened: false, path: request.path };
      if (method === 'jobs.start') return { ...jobs[0], id: `new-${calls.length}`, state: 'queued', params: request.params, result: null };
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});

async function mountStep() {
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(EvaluateStep, { global: { stubs: { EChart: true } } });
  await vi.waitFor(() => w.get('[data-testid="evaluation-results"]'));
  // The project's models are found by browsing its folder (and the base model inspected).
  await vi.waitFor(() => w.get('[data-testid="model-choice-injected"] input:checked'));
  await flushPromises();
  return w;
}

describe('evaluate step', () => {
  it('chooses the trained model, and shows the table with the changes and the forgetting warning', async () => {
    const w = await mountStep();
    expect((w.get('[data-testid="model-choice-injected"] input:checked').element as HTMLInputElement).value).toBe(trained);
    expect((w.get('[data-testid="model-choice-base"] input:checked').element as HTMLInputElement).value).toBe(base);
    const cells = (key: string) => w.findAll(`[data-row="${key}"] td`).map((c) => c.text());
    // (15 - 20) / 20 = -25 %; (10.8 - 10) / 10 = +8 %; 44 % - 50 % = -6 points.
    expect(cells('domainPerplexity')).toEqual(['Perplexity on your documents (lower is better)', '20.00', '15.00', '−25.0 %', 'better']);
    expect(cells('generalPerplexity').slice(1)).toEqual(['10.00', '10.80', '+8.0 %', 'worse']);
    expect(cells('generalAccuracy').slice(1)).toEqual(['50.0 %', '44.0 %', '−6.0 points', 'worse']);
    expect(w.find('[data-row="domainAccuracy"]').exists()).toBe(false);
    const warning = w.get('[data-testid="forgetting-warning"]');
    expect(warning.attributes('role')).toBe('alert');
    expect(warning.text()).toContain('general perplexity rose +8.0 % (limit 5 %); general QA accuracy fell 6.0 points (limit 5 points)');
    expect(w.findAll('[data-testid="recorded-settings"] tbody tr')).toHaveLength(4);

    // A 10 % limit tolerates both, and is remembered for the project.
    await w.get('[data-testid="forgetting-limit"]').setValue('10');
    expect(w.find('[data-testid="forgetting-warning"]').exists()).toBe(false);
    expect(w.get('[data-testid="forgetting-ok"]').text()).toContain(
      'General perplexity changed +8.0 % and general question accuracy −6.0 points, within your 10 % limit',
    );
    await flushPromises();
    expect(settingsFiles.get('p1').evaluation.forgettingLimit).toBe(0.1);
    w.unmount();
  });

  it('shows the four eval commands and starts exactly those jobs', async () => {
    const w = await mountStep();
    await w
      .findAll('button')
      .find((b) => b.text() === 'Show command')!
      .trigger('click');
    // The model's context is 2048 tokens, so the default sequence length stays 512.
    const expected = [
      [base, 'validation'],
      [base, 'general-validation'],
      [trained, 'validation'],
      [trained, 'general-validation'],
    ].map(([dir, split]) => `slayer eval ${dir} --data ${corpus} --split ${split} --seq-len 512 --samples 64 --seed 0`);
    expect(w.get('[data-testid="eval-command"]').text().split('\n')).toEqual(expected);

    await w.get('[data-testid="evaluate"]').trigger('click');
    await flushPromises();
    const started = calls.filter(([m]) => m === 'jobs.start').map(([, r]) => r);
    expect(started.map((r) => r.kind)).toEqual(['eval', 'eval', 'eval', 'eval']);
    expect(started.map((r) => r.params)).toEqual(
      expected.map((_, i) => ({
        modelDir: i < 2 ? base : trained,
        data: corpus,
        split: i % 2 ? 'general-validation' : 'validation',
        seqLen: 512,
        samples: 64,
        seed: 0,
      })),
    );
    expect(started.every((r) => r.projectId === 'p1')).toBe(true);
    w.unmount();
  });

  it('shows the report the pipeline wrote, with the numbers of report.json, and no report of its own', async () => {
    const measured = (domain: number, general: number) => ({
      domain: { meanNll: Math.log(domain), perplexity: domain, tokens: 100, seqLen: 128, dataHash: 'sha256:d' },
      general: { meanNll: Math.log(general), perplexity: general, tokens: 100, seqLen: 128, dataHash: 'sha256:g' },
      domainQa: null,
      generalQa: null,
    });
    report = {
      version: 1,
      createdAt: '2026-01-01T00:00:00Z',
      domain: 'code',
      model: { dir: base, architecture: 'LlamaForCausalLM', layers: 4, parameters: 1, sourceHash: 'x' },
      data: { domain: '/docs', general: '/general', domainQa: null, generalQa: null, seqLen: 128, seed: 0 },
      scores: { domain: { layers: [], samples: 0, seqLen: 0, dataHash: '' }, general: null },
      before: measured(313.88, 331.74),
      runs: [
        {
          strategy: 's',
          label: 'S (SLayer)',
          counts: plan.counts,
          trainableLayers: [],
          removedLayers: [],
          training: { steps: 2, losses: [5.7, 5.6], tokensPerSecond: 100, trainableParameters: 10, seconds: 1 },
          after: measured(308.65, 331.77),
          modelDir: trained,
        },
        {
          strategy: 'last-k',
          label: 'last-k',
          counts: plan.counts,
          trainableLayers: [],
          removedLayers: [],
          training: { steps: 2, losses: [5.7, 5.6], tokensPerSecond: 100, trainableParameters: 10, seconds: 1 },
          after: measured(310.5, 332.1),
          modelDir: '/p/models/last-k-trained',
        },
      ],
      timings: {},
      reused: [],
      exports: [],
      findings: ['S (SLayer): domain perplexity 313.9 → 308.6 (-1.7 %), general perplexity 331.7 → 331.8 (+0.0 %).'],
    };
    const w = await mountStep();
    await vi.waitFor(() => w.get('[data-testid="report-table"]'));
    expect(w.get('[data-testid="report-before-domain"]').text()).toBe('313.9');
    expect(w.get('[data-testid="report-before-general"]').text()).toBe('331.7');
    expect(w.get('[data-run="s"] [data-field="domain"]').text()).toBe('308.6');
    expect(w.get('[data-run="last-k"] [data-field="general"]').text()).toBe('332.1');
    // (308.65 - 313.88) / 313.88 = -1.67 %.
    expect(w.findAll('[data-run="s"] td').map((c) => c.text())[2]).toBe('-1.7 %');
    expect(w.get('[data-testid="report-findings"]').text()).toContain('domain perplexity 313.9 → 308.6');
    expect(w.find('[data-testid="gain-chart"]').exists()).toBe(true);
    // The comparison of two models measures; it saves no report.
    expect(w.find('[data-testid="save-report"]').exists()).toBe(false);
    expect(calls.some(([m]) => m === 'report.write')).toBe(false);

    // Browser mode: the folder is shown with a copy button instead of opened.
    await w.get('[data-testid="pipeline-report"] [data-testid="open-path"]').trigger('click');
    await flushPromises();
    expect(w.get('[data-testid="shown-path"] .path').text()).toBe(project.dir);
    w.unmount();
  });

  it('says where the report comes from when the pipeline has not written one', async () => {
    const w = await mountStep();
    expect(w.get('[data-testid="no-report"]').text()).toContain('written by the last stage of the pipeline');
    w.unmount();
  });
});
