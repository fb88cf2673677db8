/**
 * From the Analyze step to the plan: the analysis store reads a project's results from the job
 * history (newest success per split, only for the project's current model), remembers which
 * domain scores the person chose for the plan across a reload, and the Plan step makes its S
 * plan from them through plan.make (answered here by the same plan functions main uses).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import PlanStep from '../../src/renderer/src/steps/PlanStep.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { corpusDir, layerScoresOf, useAnalysisStore } from '../../src/renderer/src/stores/analysis';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { readModelConfig } from '../../src/main/model/config.js';
import { estimatePlan, makePlan, parseScores } from '../../src/main/plan/index.js';
import { tempDir } from '../helpers/tmp.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord } from '../../src/shared/jobs.js';
import type { PlanOptions } from '../../src/shared/plan.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

let settingsFiles = new FakeProjectSettings();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let modelDir: string;
let project: Project;

beforeAll(async () => {
  tmp = await tempDir('slayer-analyze-plan-');
  modelDir = join(tmp.dir, 'tiny-llama-8');
  await generateTestModel(modelDir, { layers: 8, hiddenSize: 64, intermediateSize: 128, heads: 4, kvHeads: 2, vocabSize: 400, seed: 5, dtype: 'f32' });
  project = { id: 'p1', name: 'Law', domain: 'legal', createdAt: '', updatedAt: '', modelDir, dir: '/projects/p1' };
  history = makeHistory();
});
afterAll(async () => tmp.cleanup());

function scoreJob(id: string, createdAt: string, split: string, angular: number[], state: JobRecord['state'] = 'succeeded', dir = modelDir): JobRecord {
  return {
    id,
    kind: 'score',
    projectId: 'p1',
    state,
    createdAt,
    startedAt: createdAt,
    endedAt: createdAt,
    progress: null,
    error: state === 'failed' ? 'out of memory' : null,
    errorDetail: null,
    params: { modelDir: dir, data: corpusDir(project), split, samples: 16, seqLen: 64, seed: 0 },
    result:
      state === 'succeeded'
        ? {
            layers: angular.map((a, index) => ({ index, angularLast: a, angularMean: a, blockInfluence: a / 2 })),
            samples: 16,
            seqLen: 64,
            seed: 0,
            dataHash: `sha256:${id}`,
            tokens: 1024,
            model: { dir, layers: 8 },
            provider: 'cpu',
            threads: 1,
            streaming: false,
            seconds: 1,
          }
        : null,
  } as JobRecord;
}

// Layer 5 changes the text least in the deep half (4-7): the paper's rule still removes the deepest layer, the scores rule removes 5.
const chosen = [0.4, 0.3, 0.25, 0.2, 0.15, 0.05, 0.1, 0.35];
let history: JobRecord[];
const makeHistory = () => [
  scoreJob('train-failed', '2026-01-04T00:00:00Z', 'train', [], 'failed'),
  scoreJob('other-model', '2026-01-03T12:00:00Z', 'train', chosen, 'succeeded', '/models/other'),
  scoreJob('general', '2026-01-03T00:00:01Z', 'general-train', [0.3, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1]),
  scoreJob('train-new', '2026-01-03T00:00:00Z', 'train', chosen),
  scoreJob('train-old', '2026-01-02T00:00:00Z', 'train', [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
];

let makeCalls: PlanOptions[];

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  makeCalls = [];
  window.slayer = {
    invoke: async (method: string, request: unknown) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      if (method === 'jobs.list') return history;
      if (method === 'plan.load') return null;
      if (method === 'plan.make') {
        // As main answers it (src/main/api/backend.ts): scores parsed against the model, then plan and estimate.
        const req = request as { modelDir: string; options: PlanOptions & { scores?: unknown }; batch: number; seqLen: number };
        makeCalls.push(req.options);
        const m = await readModelConfig(req.modelDir);
        const options = { ...req.options } as PlanOptions & { scores?: unknown };
        if (options.scores !== undefined) options.scores = parseScores(options.scores, m.layers);
        const plan = makePlan(m, options as PlanOptions);
        return { plan, estimate: estimatePlan(plan, m, { batch: req.batch, seqLen: req.seqLen }) };
      }
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});

describe('analysis store', () => {
  it('finds the newest successful scores per split for the project model, and the newest run of any state', async () => {
    await useJobsStore().load();
    const analysis = useAnalysisStore();
    expect(analysis.scores(project, 'train')?.job?.id).toBe('train-new');
    expect(analysis.scores(project, 'general-train')?.job?.id).toBe('general');
    expect(analysis.scoreRun(project, 'train')?.id).toBe('train-failed');
    expect(analysis.scores({ ...project, modelDir: '/models/other' }, 'train')?.job?.id).toBe('other-model');
    expect(analysis.corpus(project)).toBeNull();
  });

  it('gives the plan only the scores chosen for it, and remembers the choice across a reload (in the project settings)', async () => {
    await useJobsStore().load();
    useAppStore().project = project;
    const analysis = useAnalysisStore();
    await flushPromises();
    expect(analysis.planScores(project)).toBeNull();
    analysis.useInPlan(analysis.scores(project, 'train')!);
    expect(analysis.planScores(project)?.result.layers.map((l) => l.angularLast)).toEqual(chosen);
    await flushPromises();
    expect(settingsFiles.get(project.id).steps.planScoresJob).toBe('train-new');

    setActivePinia(createPinia());
    await useJobsStore().load();
    useAppStore().project = project;
    useAnalysisStore();
    await flushPromises();
    expect(useAnalysisStore().planScores(project)?.job?.id).toBe('train-new');
    // Scores belong to one model: after the project's model changes they no longer apply.
    expect(useAnalysisStore().planScores({ ...project, modelDir: '/models/other' })).toBeNull();
  });
});

describe('plan step with the chosen scores', () => {
  it("keeps the paper's rule with the chosen scores (bars shown), and the scores rule then removes the least-changing deep layer", async () => {
    await useJobsStore().load();
    useAppStore().project = project;
    const w = mount(PlanStep);
    // plan.make reads the model's config from disk: wait for the plan, not only for promises.
    await vi.waitFor(() => w.get('[data-kind="removed"]'));
    // Without chosen scores: the recommended plan removes the deepest layer.
    expect(makeCalls[0]).toEqual({ strategy: 's' });
    expect(w.get('[data-kind="removed"]').attributes('data-original')).toBe('7');
    expect(w.findAll('.bar')).toHaveLength(0);

    useAnalysisStore().useInPlan(useAnalysisStore().scores(project, 'train')!);
    await vi.waitFor(() => expect(w.findAll('.bar')).toHaveLength(8));
    await flushPromises();
    const sPlan = makeCalls.findLast((o) => o.strategy === 's' && 'scores' in o && o.scores);
    expect(sPlan).toEqual({ strategy: 's', scores: layerScoresOf(history[3].result as never) });
    // The recommended plan follows the paper whatever the scores say, and says so.
    expect(w.get('[data-kind="removed"]').attributes('data-original')).toBe('7');
    expect(w.get('[data-testid="plan-notes"]').text()).toContain("Deleted by the deepest rule (the paper's): the deepest layer 7.");
    expect(w.get('[data-rule="deepest"]').element).toHaveProperty('checked', true);

    await w.get('[data-rule="scores"]').setValue(true);
    await vi.waitFor(() => expect(w.get('[data-kind="removed"]').attributes('data-original')).not.toBe('7'));
    const deep = chosen.slice(4);
    const leastDeep = 4 + deep.indexOf(Math.min(...deep));
    expect(w.get('[data-kind="removed"]').attributes('data-original')).toBe(String(leastDeep));
    expect(makeCalls.at(-1)).toMatchObject({ strategy: 's', pruneRule: 'scores' });
    expect(w.get('[data-testid="plan-notes"]').text()).toContain('Refreshed layer 7 starts as a copy of itself');
    expect(w.findAll('.bar')).toHaveLength(8);
    w.unmount();
  });

  it("follows the pipeline settings' prune rule for the recommended plan, once there are scores to apply it to", async () => {
    settingsFiles = new FakeProjectSettings({ p1: { pipeline: { pruneRule: 'scores' } } });
    await useJobsStore().load();
    useAppStore().project = project;
    const w = mount(PlanStep);
    await vi.waitFor(() => w.get('[data-kind="removed"]'));
    // No scores yet: the paper's rule, as the pipeline's plan-s would need measured scores for the other.
    expect(makeCalls[0]).toEqual({ strategy: 's' });
    useAnalysisStore().useInPlan(useAnalysisStore().scores(project, 'train')!);
    await vi.waitFor(() => expect(makeCalls.findLast((o) => o.strategy === 's')).toMatchObject({ strategy: 's', pruneRule: 'scores' }));
    const deep = chosen.slice(4);
    await vi.waitFor(() => expect(w.get('[data-kind="removed"]').attributes('data-original')).toBe(String(4 + deep.indexOf(Math.min(...deep)))));
    expect(w.get('[data-rule="scores"]').element).toHaveProperty('checked', true);
    w.unmount();
  });
});
