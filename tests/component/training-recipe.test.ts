/**
 * The training recipe's UI against a scripted API: the Corpus step's mixture form (shares,
 * refusals, job parameters), the Inject step's instruct stage (the preview with the fallback
 * template spelled out and the answers marked, the 'train' job it starts, its summary), and the
 * Evaluate step's per-layer update chart.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import CorpusMixtureForm from '../../src/renderer/src/components/CorpusMixtureForm.vue';
import InstructStage from '../../src/renderer/src/components/InstructStage.vue';
import LayerUpdatesCard from '../../src/renderer/src/components/LayerUpdatesCard.vue';
import { mixtureParams, type ProjectSettings } from '../../src/shared/project-settings';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import type { BrowseResult, SlayerApi } from '../../src/shared/api.js';
import type { InstructPreview } from '../../src/shared/instruct.js';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { finishedJob, project } from './inject-fixtures.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings';
import type { JobRecord } from '../../src/shared/jobs.js';

let jobs: JobRecord[];
let calls: [string, Record<string, unknown>][];
let preview: InstructPreview;

const record = (id: string, patch: Partial<Record<keyof JobRecord, unknown>>, params: Record<string, unknown>) =>
  finishedJob('train', id, '2026-01-01T09:00:00Z', patch, params);

const bridge: SlayerApi = {
  invoke: (async (method: string, request: Record<string, unknown>) => {
    const setting = settingsFiles.answer(method, request);
    if (setting !== NOT_SETTINGS) return setting;
    calls.push([method, request]);
    switch (method) {
      case 'jobs.list':
        return jobs;
      case 'instruct.preview':
        return preview;
      case 'metrics.read':
        return [];
      case 'fs.browse':
        return { path: request.path, parent: null, hasConfig: false, entries: [] } as BrowseResult;
      case 'jobs.start':
        return record(`new-${calls.length}`, { kind: request.kind as JobRecord['kind'], state: 'queued' }, request.params as Record<string, unknown>);
    }
    throw new Error(`unexpected ${method}`);
  }) as SlayerApi['invoke'],
  on: (() => () => {}) as SlayerApi['on'],
};

let settingsFiles = new FakeProjectSettings();

beforeEach(() => {
  settingsFiles = new FakeProjectSettings();
  localStorage.clear();
  calls = [];
  jobs = [];
  preview = {
    template: { source: 'the plain fallback template (the model has no chat template)', text: '{{ bos_token }}### Instruction:', fallback: true },
    examples: 3,
    shapes: { alpaca: 2, messages: 1 },
    tokens: 200,
    responseTokens: 50,
    truncated: 0,
    dropped: 0,
    first: [
      { text: '### Instruction:\nAdd 2 and 2.\n\n### Response:\n', response: false },
      { text: '4</s>', response: true },
    ],
  };
  window.slayer = bridge;
  setActivePinia(createPinia());
});

describe('corpus mixture form', () => {
  it('shows each source its share of a step, refuses bad names and weights, and makes the job parameters', async () => {
    const settings: ProjectSettings['corpus'] = {
      data: '/docs/code',
      general: '/docs/general',
      html: null,
      seqLen: 512,
      seed: 0,
      mixture: { weight: 3, sources: [], replayPercent: 10 },
    };
    const w = mount(CorpusMixtureForm, {
      props: {
        modelValue: settings.mixture,
        'onUpdate:modelValue': (m: ProjectSettings['corpus']['mixture']) => (settings.mixture = m),
        primaryName: 'code',
        hasGeneral: true,
        start: null,
      },
      global: { stubs: { FolderPicker: true } },
    });
    await w.get('[data-testid="add-source"]').trigger('click');
    await w.setProps({ modelValue: settings.mixture });
    settings.mixture.sources[0].data = '/docs/math';
    await w.setProps({ modelValue: { ...settings.mixture } });
    const rows = w.findAll('tbody tr').map((r) => r.findAll('td').map((td) => td.text()));
    // code 3, math 1, replay 10 %: code 67.5 %, math 22.5 %.
    expect(rows.map((r) => r[3])).toEqual(['67.5 %', '22.5 %']);
    expect(mixtureParams(settings, 'code')).toEqual({
      name: 'code',
      weight: 3,
      sources: [{ name: 'math', data: '/docs/math', weight: 1, domain: 'math' }],
      replay: 0.1,
    });
    settings.mixture.sources[0].weight = 0;
    settings.mixture.sources[0].name = '9lives';
    await w.setProps({ modelValue: { ...settings.mixture } });
    expect(w.get('[role="alert"]').text()).toContain('a name starts with a letter');
    expect(w.get('[role="alert"]').text()).toContain('the weight must be a positive number');
  });
});

describe('instruct stage', () => {
  it('shows the fallback template and the marked answer, then starts the instruct training of the S model', async () => {
    // The instruct form is the project's settings.json instruct section.
    settingsFiles = new FakeProjectSettings({ p1: { instruct: { data: '/d/chat.jsonl' } } });
    useAppStore().project = project;
    await useJobsStore().load();
    const w = mount(InstructStage, { props: { project, ready: true, maxSeqLen: 2048 }, global: { stubs: { EChart: true, FilePicker: true } } });
    await vi.waitFor(() => expect(w.find('[data-testid="instruct-preview"]').exists()).toBe(true));
    expect(calls.find(([m]) => m === 'instruct.preview')![1]).toMatchObject({ modelDir: '/d/p1/models/s-trained', data: '/d/chat.jsonl', packing: 'pack' });
    expect(w.get('[data-testid="fallback-template"]').text()).toContain('### Instruction:');
    expect(w.get('[data-testid="first-example"] mark').text()).toBe('4</s>');
    expect(w.get('[data-testid="sft-command"]').text()).toContain(
      'slayer sft /d/p1/models/s-trained --data /d/chat.jsonl --out /d/p1/models/instruct --seq-len 1024 --batch 4 --lr 0.00005 --packing pack',
    );
    // A change of the form is saved in settings.json, not in the browser.
    await w.get('input[value="pad"]').setValue(true);
    await flushPromises();
    expect(settingsFiles.get('p1').instruct).toMatchObject({ data: '/d/chat.jsonl', packing: 'pad' });
    expect(localStorage.length).toBe(0);
    await w.get('[data-testid="start-instruct"]').trigger('click');
    await flushPromises();
    const start = calls.find(([m]) => m === 'jobs.start')![1];
    expect(start.kind).toBe('train');
    expect(start.params).toMatchObject({
      modelDir: '/d/p1/models/s-trained',
      data: '/d/chat.jsonl',
      out: '/d/p1/models/instruct',
      format: 'instruct',
      trainable: 'auto',
    });
    w.unmount();
  });

  it('waits for the S stage', async () => {
    await useJobsStore().load();
    const w = mount(InstructStage, { props: { project, ready: false, maxSeqLen: 2048 }, global: { stubs: { EChart: true } } });
    expect(w.get('[data-testid="instruct-waits"]').text()).toContain('Train the injected model first');
    w.unmount();
  });
});

describe('layer updates card', () => {
  it('charts the trained runs of the project, naming the blocks that changed most', async () => {
    const updates = [
      { layer: 2, relative: 0.031, deltaNorm: 1, weightNorm: 32, tensors: [] },
      { layer: 5, relative: 0.012, deltaNorm: 1, weightNorm: 80, tensors: [] },
    ];
    jobs = [record('t1', { result: { updates, losses: [1], lora: null } }, { out: '/d/p1/models/s-trained' })];
    await useJobsStore().load();
    const w = mount(LayerUpdatesCard, { props: { project }, global: { stubs: { EChart: true } } });
    expect(w.get('[data-testid="layer-updates"]').text()).toContain('Injection (S): changed most in block 2 (3.10 %), block 5 (1.20 %)');
    w.unmount();
  });
});
