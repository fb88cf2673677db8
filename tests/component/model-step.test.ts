/**
 * The Model step: the summary card on a real inspect of a generated model folder, the error card
 * for an unsupported folder, and the recent-folders list (localStorage, newest first, 8 at most).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ModelSummary from '../../src/renderer/src/components/ModelSummary.vue';
import ModelStep from '../../src/renderer/src/steps/ModelStep.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { RECENT_LIMIT, recentModels, rememberModel } from '../../src/renderer/src/recent-models';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { inspectModel } from '../../src/main/inspect/inspect.js';
import { tempDir } from '../helpers/tmp.js';
import type { InspectResult } from '../../src/shared/model.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

const settingsFiles = new FakeProjectSettings();

const GiB = 2 ** 30;
const tiny = { layers: 4, hiddenSize: 64, intermediateSize: 128, heads: 4, kvHeads: 2, vocabSize: 400, seed: 3, dtype: 'bf16' as const };
let tmp: Awaited<ReturnType<typeof tempDir>>;
let modelDir: string;
let info: InspectResult;

beforeAll(async () => {
  tmp = await tempDir('slayer-model-step-');
  modelDir = join(tmp.dir, 'tiny-llama');
  await generateTestModel(modelDir, tiny);
  info = await inspectModel(modelDir, { totalBytes: 16 * GiB, freeBytes: 8 * GiB });
});
afterAll(async () => tmp.cleanup());
beforeEach(() => localStorage.clear());

/** Parameters of the tiny model from its numbers: embeddings and LM head, final norm, and per block two norms, q/k/v/o and the MLP. */
function tinyParameters(): number {
  const { layers: L, hiddenSize: h, intermediateSize: f, heads, kvHeads, vocabSize: v } = tiny;
  const headDim = h / heads;
  const block = 2 * h + heads * headDim * h * 2 + 2 * kvHeads * headDim * h + 3 * h * f;
  return 2 * v * h + h + L * block;
}

describe('model summary card', () => {
  it('shows the architecture, shape, parameters, dtype and tokenizer of the folder', () => {
    const w = mount(ModelSummary, { props: { info } });
    expect(w.get('h2').text()).toBe('LlamaForCausalLM');
    expect(w.get('[data-testid="model-layers"]').text()).toBe('4');
    const p = tinyParameters();
    expect(w.get('[data-testid="model-parameters"]').text()).toBe(`${(p / 1e3).toPrecision(3)} K`);
    expect(w.get('[data-testid="model-parameters"]').attributes('title')).toBe(`${p.toLocaleString('en-US')} parameters`);
    expect(w.text()).toContain('4 / 2');
    expect(w.text()).toContain('400 tokens');
    expect(w.text()).toContain('bf16');
    expect(w.text()).toContain('✓ included');
  });

  it('has a fit bar for analysing and one for training, each with what it assumes', () => {
    const w = mount(ModelSummary, { props: { info } });
    const bars = w.findAll('.fit-bar');
    expect(bars.map((b) => b.get('.label').text())).toEqual(['Analyse (score layers)', 'Train (inject)']);
    expect(bars.map((b) => b.attributes('data-fit'))).toEqual(['fits', 'fits']);
    expect(bars[1].text()).toContain('Assumes the default S plan');
    expect(bars[0].text()).toContain('8.0 GB free of 16.0 GB');
  });
});

describe('recent model folders', () => {
  it('keeps the newest first, without repeats, at most 8', () => {
    for (let i = 0; i < 10; i++) rememberModel(`/models/m${i}`);
    rememberModel('/models/m5');
    const list = recentModels();
    expect(list).toHaveLength(RECENT_LIMIT);
    expect(list).toEqual(['/models/m5', '/models/m9', '/models/m8', '/models/m7', '/models/m6', '/models/m4', '/models/m3', '/models/m2']);
  });

  it('survives a damaged entry', () => {
    localStorage.setItem('slayer-recent-models', '{not json');
    expect(recentModels()).toEqual([]);
    expect(rememberModel('/a')).toEqual(['/a']);
  });
});

describe('model step', () => {
  const project: Project = { id: 'p1', name: 'Tax', domain: 'legal', createdAt: '', updatedAt: '', modelDir: null, dir: '/projects/p1' };
  let calls: [string, unknown][];
  let inspect: (dir: string) => Promise<InspectResult>;

  beforeEach(() => {
    calls = [];
    inspect = async () => info;
    window.slayer = {
      invoke: async (method: string, request: unknown) => {
        const setting = settingsFiles.answer(method, request);
        if (setting !== NOT_SETTINGS) return setting;
        calls.push([method, request]);
        if (method === 'model.inspect') return inspect((request as { dir: string }).dir);
        if (method === 'projects.update') return { ...project, modelDir: (request as { modelDir: string }).modelDir };
        if (method === 'fs.browse') return { path: '/models', parent: '/', entries: [], hasConfig: false };
        throw new Error(`unexpected ${method}`);
      },
      on: () => () => {},
    } as SlayerApi;
    setActivePinia(createPinia());
  });

  it('inspects the chosen folder, shows the summary and remembers the folder', async () => {
    const app = useAppStore();
    app.project = { ...project, modelDir };
    const w = mount(ModelStep);
    await flushPromises();
    expect(calls).toContainEqual(['model.inspect', { dir: modelDir }]);
    expect(w.find('[data-testid="model-summary"]').exists()).toBe(true);
    expect(w.get('[data-testid="model-dir"]').text()).toBe(modelDir);
    expect(w.find('[data-testid="fingerprint"]').exists()).toBe(true);
    expect(w.find('[data-testid="choose-folder"]').exists()).toBe(true);
    expect(recentModels()).toEqual([modelDir]);
    expect(w.get('.recent-dir').attributes('aria-current')).toBe('true');
  });

  it('shows the plain message of an unsupported folder and does not remember it', async () => {
    inspect = async () => {
      throw new Error('config.json: model_type "gpt2" is not supported; SLayer Studio handles llama, mistral and qwen2.');
    };
    const app = useAppStore();
    app.project = { ...project, modelDir: '/models/gpt2' };
    const w = mount(ModelStep);
    await flushPromises();
    const card = w.get('[data-testid="inspect-error"]');
    expect(card.attributes('role')).toBe('alert');
    expect(card.text()).toContain('model_type "gpt2" is not supported');
    expect(w.find('[data-testid="model-summary"]').exists()).toBe(false);
    expect(recentModels()).toEqual([]);
  });

  it('reuses a recent folder with one click', async () => {
    rememberModel(modelDir);
    rememberModel('/models/other');
    const app = useAppStore();
    app.project = { ...project };
    const w = mount(ModelStep);
    await flushPromises();
    const buttons = w.findAll('.recent-dir');
    expect(buttons.map((b) => b.get('.name').text())).toEqual(['other', 'tiny-llama']);
    await buttons[1].trigger('click');
    await flushPromises();
    expect(calls).toContainEqual(['projects.update', { id: 'p1', modelDir }]);
    expect(calls).toContainEqual(['model.inspect', { dir: modelDir }]);
    expect(w.find('[data-testid="model-summary"]').exists()).toBe(true);
  });
});
