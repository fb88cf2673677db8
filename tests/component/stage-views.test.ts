/**
 * The Corpus, Analyze, Plan and Evaluate steps as views of the pipeline's stages: with no job of
 * their own in the history, they show the corpus and the layer scores that the stage records
 * (stages/<name>.json, answered here by hand-written records through pipeline.status and
 * pipeline.record) and the corpus folder's corpus.json (corpus.report) say; the newer of a
 * stage's output and a step's own job is shown; the plan reads the pipeline's domain scores; a
 * corpus or scores made for another model do not count; and the Corpus step builds through the
 * pipeline's corpus stage when the project has what the stage needs; before the report exists,
 * the Evaluate step shows what the evaluate stages measured.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import AnalyzeStep from '../../src/renderer/src/steps/AnalyzeStep.vue';
import CorpusStep from '../../src/renderer/src/steps/CorpusStep.vue';
import EvaluateStep from '../../src/renderer/src/steps/EvaluateStep.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { corpusDir, useAnalysisStore } from '../../src/renderer/src/stores/analysis';
import { buildCorpus } from '../../src/main/data/index.js';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { ModelFolder } from '../../src/main/model/folder.js';
import { tempDir } from '../helpers/tmp.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import type { ScoreResult } from '../../src/shared/analysis.js';
import type { CorpusReport } from '../../src/shared/corpus.js';
import type { JobRecord } from '../../src/shared/jobs.js';
import type { PipelineStatus, StageRecord, StageState } from '../../src/shared/pipeline.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

const MODEL = '/models/tiny';
const project: Project & { modelDir: string } = { id: 'p1', name: 'Law', domain: 'legal', createdAt: '', updatedAt: '', modelDir: MODEL, dir: '/projects/p1' };
const memory = { mode: 'resident-f32', estimateBytes: 1e8, budgetBytes: 8e9, freeBytes: 1e10, forced: false } as const;

function scoreResult(angular: number[], samples: number, seqLen: number, seed: number, dir = MODEL): ScoreResult {
  return {
    precision: 'fp32',
    quick: null,
    layers: angular.map((a, index) => ({ index, angularLast: a, angularMean: a, blockInfluence: a / 2 })),
    samples,
    seqLen,
    seed,
    dataHash: `sha256:${samples}-${seqLen}`,
    tokens: samples * seqLen,
    model: { dir, layers: angular.length },
    provider: 'cpu',
    threads: 2,
    memory,
    seconds: 3,
  };
}

const record = <T>(name: string, output: T, finishedAt: string): StageRecord<T> => ({
  name,
  inputsHash: `hash-${name}`,
  output,
  artifacts: [],
  seconds: 2,
  finishedAt,
});

// The pipeline's measurement: 12 samples of 32 tokens, seed 7 (as a settings.json with scoreSamples 12 and seqLen 32 makes it).
const PIPELINE_DOMAIN = [0.5, 0.3, 0.2, 0.1];
const PIPELINE_GENERAL = [0.4, 0.25, 0.15, 0.12];
let records: Record<string, StageRecord<unknown>>;
let states: Record<string, StageState>;
let corpusJson: CorpusReport | null;
let history: JobRecord[];
let started: { kind: string; params: Record<string, unknown> }[];
let settingsFiles: FakeProjectSettings;

function pipelineRecords(modelDir = MODEL) {
  records = {
    model: record('model', { dir: modelDir }, '2026-03-01T10:00:00.000Z'),
    corpus: record('corpus', { documents: 12, tokens: 3456, warnings: [], mixture: null }, '2026-03-01T10:01:00.000Z'),
    'score-domain': record('score-domain', scoreResult(PIPELINE_DOMAIN, 12, 32, 7, modelDir), '2026-03-01T10:02:00.000Z'),
    'score-general': record('score-general', scoreResult(PIPELINE_GENERAL, 12, 32, 7, modelDir), '2026-03-01T10:03:00.000Z'),
  };
  states = { model: 'done', corpus: 'done', 'score-domain': 'done', 'score-general': 'done', 'evaluate-base': 'to-do' };
}

function status(): PipelineStatus {
  return {
    missing: null,
    stages: Object.entries(states).map(([name, state]) => ({
      name,
      label: name,
      step: name === 'model' || name === 'corpus' ? 'corpus' : name.startsWith('score-') ? 'analyze' : 'evaluate',
      state,
      seconds: records[name]?.seconds ?? null,
      finishedAt: records[name]?.finishedAt ?? null,
    })),
  };
}

function scoreJob(id: string, endedAt: string, split: string, angular: number[]): JobRecord {
  return {
    id,
    kind: 'score',
    projectId: project.id,
    state: 'succeeded',
    createdAt: endedAt,
    startedAt: endedAt,
    endedAt,
    progress: null,
    error: null,
    errorDetail: null,
    params: { modelDir: MODEL, data: corpusDir(project), split, samples: 64, seqLen: 128, seed: 0 },
    result: scoreResult(angular, 64, 128, 0),
  } as JobRecord;
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let realReport: CorpusReport;

beforeAll(async () => {
  // A real corpus report (what the corpus stage leaves in corpus/corpus.json), for the Corpus step's report card.
  tmp = await tempDir('slayer-stage-views-');
  const docs = join(tmp.dir, 'contracts');
  const general = join(tmp.dir, 'general');
  await mkdir(docs, { recursive: true });
  await mkdir(general, { recursive: true });
  for (let i = 0; i < 8; i++) {
    await writeFile(join(docs, `agreement-${i}.txt`), `Agreement ${i}: the tenant shall pay ${100 + i} euros by day ${i + 1}.\n`.repeat(5 + i));
    await writeFile(join(general, `story-${i}.txt`), `Story ${i}: the river ran past the mill for ${i + 2} miles.\n`.repeat(4 + i));
  }
  const modelDir = join(tmp.dir, 'tiny-llama');
  await generateTestModel(modelDir, { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 2, vocabSize: 400, seed: 1, dtype: 'f32' });
  const folder = await ModelFolder.open(modelDir);
  const tokenizer = await folder.loadTokenizer().finally(() => folder.close());
  realReport = await buildCorpus({ data: docs, general, tokenizer, cacheRoot: join(tmp.dir, 'cache'), domain: 'legal', seqLen: 64, seed: 0 });
});
afterAll(async () => tmp.cleanup());

beforeEach(() => {
  localStorage.clear();
  pipelineRecords();
  corpusJson = { general: { documents: 8, characters: 100, bytes: 100, tokens: 200 }, documents: 12, cacheKey: 'k' } as CorpusReport;
  history = [];
  started = [];
  settingsFiles = new FakeProjectSettings({ p1: { corpus: { data: '/docs/contracts', general: '/docs/general' } } });
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      if (method === 'jobs.list') return history;
      if (method === 'pipeline.status') return status();
      if (method === 'pipeline.record') return records[request.name as string] ?? null;
      if (method === 'corpus.report') return corpusJson;
      if (method === 'plan.load') return null;
      if (method === 'report.read') return { html: null, path: `${project.dir}/report.html`, report: null };
      if (method === 'corpus.preview') throw new Error('not read here');
      if (method === 'fs.browse') return { path: '/', parent: null, entries: [], hasConfig: false };
      if (method === 'model.inspect' || method === 'estimate.job') throw new Error('not needed here');
      if (method === 'jobs.start') {
        started.push(request as never);
        const at = new Date().toISOString();
        return { id: `job-${started.length}`, kind: request.kind, params: request.params, projectId: project.id, state: 'queued', createdAt: at };
      }
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
  useAppStore().project = project;
});

async function mountStep<C extends typeof AnalyzeStep | typeof CorpusStep | typeof EvaluateStep>(step: C) {
  await useJobsStore().load();
  const w = mount(step);
  for (let i = 0; i < 5; i++) await flushPromises();
  return w;
}

const rows = (w: ReturnType<typeof mount>) => w.findAll('[data-testid="recorded-settings"] tbody tr').map((r) => r.findAll('td').map((d) => d.text()));

describe('the Analyze step over the stages', () => {
  it('shows the corpus and the scores of a run with no job of its own, labelled as the pipeline measurement with its settings', async () => {
    const w = await mountStep(AnalyzeStep);
    expect(w.find('[data-testid="needs-corpus"]').exists()).toBe(false);
    expect(w.find('[data-testid="layer-scores"]').exists()).toBe(true);
    expect(w.get('[data-testid="pipeline-scores"]').text()).toContain("The pipeline's measurement (your documents and general text)");
    const shown = rows(w);
    expect(shown.map((r) => r[0])).toEqual(['your documents (pipeline)', 'general text (pipeline)']);
    // Samples 12, sequence length 32, seed 7: the records' own settings.
    for (const r of shown) expect(r.slice(1, 4)).toEqual(['12', '32', '7']);
    w.unmount();
  });

  it('"Use these scores in the plan" keeps the pipeline measurement, and the plan reads its domain scores (also before any choice)', async () => {
    const w = await mountStep(AnalyzeStep);
    const analysis = useAnalysisStore();
    // No choice yet: the plan reads what the pipeline's plan-s stage reads.
    expect(analysis.planScores(project)?.result.layers.map((l) => l.angularLast)).toEqual(PIPELINE_DOMAIN);
    expect(w.find('[data-testid="scores-in-plan"]').exists()).toBe(true);
    // A newer score job of the step's own is shown instead, and can be chosen; the pipeline's can be chosen back.
    history = [scoreJob('own', '2026-03-02T00:00:00.000Z', 'train', [0.9, 0.8, 0.7, 0.6])];
    await useJobsStore().load();
    await flushPromises();
    expect(w.find('[data-testid="pipeline-scores"]').text()).toContain("The pipeline's measurement (general text)");
    expect(rows(w)[0]).toEqual(expect.arrayContaining(['your documents', '64', '128', '0']));
    await w.get('[data-testid="use-scores"]').trigger('click');
    await flushPromises();
    expect(settingsFiles.get(project.id).steps.planScoresJob).toBe('own');
    expect(analysis.planScores(project)?.result.layers.map((l) => l.angularLast)).toEqual([0.9, 0.8, 0.7, 0.6]);
    w.unmount();
  });

  it('shows the pipeline scores when they are newer than the step own job, and chooses them by the stage', async () => {
    history = [scoreJob('older', '2026-02-01T00:00:00.000Z', 'train', [0.9, 0.8, 0.7, 0.6])];
    await settingsFiles.answer('projects.updateSettings', { id: project.id, patch: { steps: { planScoresJob: 'older' } } });
    const w = await mountStep(AnalyzeStep);
    expect(rows(w)[0][0]).toBe('your documents (pipeline)');
    expect(w.find('[data-testid="scores-in-plan"]').exists()).toBe(false);
    expect(w.text()).toContain('The Plan step uses an earlier measurement.');
    await w.get('[data-testid="use-scores"]').trigger('click');
    await flushPromises();
    expect(settingsFiles.get(project.id).steps.planScoresJob).toBe('stage:score-domain');
    expect(
      useAnalysisStore()
        .planScores(project)
        ?.result.layers.map((l) => l.angularLast),
    ).toEqual(PIPELINE_DOMAIN);
    expect(w.find('[data-testid="scores-in-plan"]').exists()).toBe(true);
    w.unmount();
  });

  it('asks for a corpus when the stages were run for another model', async () => {
    pipelineRecords('/models/other');
    states = { model: 'stale', corpus: 'stale', 'score-domain': 'stale', 'score-general': 'stale' };
    const w = await mountStep(AnalyzeStep);
    expect(w.find('[data-testid="needs-corpus"]').exists()).toBe(true);
    expect(useAnalysisStore().planScores(project)).toBeNull();
    w.unmount();
  });

  it('does not count a corpus stage stopped after the model stage ran for a new model (its corpus.json is the old model)', async () => {
    records.model = record('model', { dir: MODEL }, '2026-03-01T11:00:00.000Z');
    states = { model: 'done', corpus: 'stale', 'score-domain': 'stale', 'score-general': 'stale' };
    const w = await mountStep(AnalyzeStep);
    expect(w.find('[data-testid="needs-corpus"]').exists()).toBe(true);
    w.unmount();
  });

  it('measures only the domain text when the built corpus has no general text', async () => {
    corpusJson = { general: null, documents: 12, cacheKey: 'k' } as CorpusReport;
    delete records['score-general'];
    const w = await mountStep(AnalyzeStep);
    expect(rows(w).map((r) => r[0])).toEqual(['your documents (pipeline)']);
    expect(w.text()).toContain('The corpus has no general text, so only your documents are measured.');
    w.unmount();
  });
});

describe('progress of a step run through the pipeline', () => {
  const pipelineJob = (until: string): JobRecord =>
    ({
      id: `run-${until}`,
      kind: 'pipeline',
      projectId: project.id,
      state: 'running',
      createdAt: '2026-03-03T00:00:00.000Z',
      startedAt: '2026-03-03T00:00:00.000Z',
      endedAt: null,
      progress: { fraction: 0.4, message: 'Reading documents: 4 of 10 files' },
      error: null,
      errorDetail: null,
      params: { projectDir: project.dir, until },
      result: null,
    }) as JobRecord;

  it("shows the Analyze step's stages running, and the corpus being built while the step waits for it", async () => {
    history = [pipelineJob('score-general')];
    const w = await mountStep(AnalyzeStep);
    expect(w.get('[data-testid="stages-analyze"] [role="progressbar"]').attributes('aria-label')).toBe("Running this step's stages");
    w.unmount();

    setActivePinia(createPinia());
    useAppStore().project = project;
    records = {};
    corpusJson = null;
    states = { model: 'to-do', corpus: 'to-do' };
    history = [pipelineJob('corpus')];
    const waiting = await mountStep(AnalyzeStep);
    expect(waiting.find('[data-testid="needs-corpus"]').exists()).toBe(true);
    expect(waiting.get('[data-testid="corpus-waiting"]').text()).toContain('Reading documents: 4 of 10 files');
    waiting.unmount();
  });
});

describe('the Corpus and Evaluate steps over the stages', () => {
  it('shows the corpus the stage built (its corpus.json) and builds again through the corpus stage', async () => {
    corpusJson = realReport;
    const w = await mountStep(CorpusStep);
    expect(w.get('[data-testid="corpus-documents"]').text()).toBe(realReport.documents.toLocaleString('en-US'));
    expect(w.find('[data-testid="corpus-stale"]').exists()).toBe(false);
    expect(w.get('[data-testid="corpus-through-pipeline"]').text()).toContain("Build runs the pipeline's corpus stage");
    await w.get('[data-testid="build-corpus"]').trigger('click');
    await flushPromises();
    expect(started).toEqual([{ kind: 'pipeline', params: { projectDir: project.dir, until: 'corpus' }, projectId: project.id }]);
    w.unmount();
  });

  it('says the stage-built corpus is out of date when its stage is, and builds with a corpus job when there is no general text', async () => {
    corpusJson = realReport;
    states.corpus = 'stale';
    settingsFiles = new FakeProjectSettings({ p1: { corpus: { data: '/docs/contracts', general: null } } });
    const w = await mountStep(CorpusStep);
    expect(w.find('[data-testid="corpus-stale"]').exists()).toBe(true);
    expect(w.find('[data-testid="corpus-through-pipeline"]').exists()).toBe(false);
    await w.get('[data-testid="build-corpus"]').trigger('click');
    await flushPromises();
    expect(started.map((s) => [s.kind, s.params.out, s.params.general])).toEqual([['corpus', corpusDir(project), null]]);
    w.unmount();
  });

  it('the Evaluate step does not ask for a corpus the pipeline built', async () => {
    const w = await mountStep(EvaluateStep);
    expect(w.find('[data-testid="needs-corpus"]').exists()).toBe(false);
    w.unmount();
    corpusJson = null;
    setActivePinia(createPinia());
    useAppStore().project = project;
    const without = await mountStep(EvaluateStep);
    expect(without.find('[data-testid="needs-corpus"]').exists()).toBe(true);
    without.unmount();
  });

  it('shows what the evaluate stages measured before the report is written', async () => {
    records['evaluate-base'] = record('evaluate-base', { domain: { perplexity: 12.345 }, general: { perplexity: 145.67 } }, '2026-03-01T10:04:00.000Z');
    states['evaluate-base'] = 'done';
    const w = await mountStep(EvaluateStep);
    expect(w.find('[data-testid="no-report"]').exists()).toBe(true);
    const row = w.get('[data-testid="stage-measurements"] [data-stage="evaluate-base"]');
    // Two decimals below 100, one from 100 up (as the report table shows perplexities).
    expect(row.get('[data-field="domain"]').text()).toBe('12.35');
    expect(row.get('[data-field="general"]').text()).toBe('145.7');
    w.unmount();
  });
});
