/**
 * The Export step on a real project folder: the trained model is offered first, the output path
 * and the `slayer export` command follow the format and weights type, an existing output needs
 * the replace tick (and the command gains --force), and a finished export shows its checks.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ExportStep from '../../src/renderer/src/steps/ExportStep.vue';
import { exportCommand } from '../../src/renderer/src/export-command';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { tempDir } from '../helpers/tmp.js';
import type { BrowseResult, Project, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

let settingsFiles = new FakeProjectSettings();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let project: Project;
let trained: string;

beforeAll(async () => {
  tmp = await tempDir('slayer-export-step-');
  project = { id: 'p1', name: 'Helpers', domain: 'code', createdAt: '', updatedAt: '', modelDir: join(tmp.dir, 'base model'), dir: join(tmp.dir, 'project') };
  trained = join(project.dir, 'models', 'trained');
  await generateTestModel(trained, { layers: 3, hiddenSize: 32, intermediateSize: 64, heads: 2, vocabSize: 400, seed: 1 });
  await mkdir(join(project.dir, 'models', 'notes'));
});
afterAll(async () => tmp.cleanup());

/** fs.browse as main answers it, on the real folders (a missing folder is an error there too). */
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

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  calls = [];
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      calls.push([method, request]);
      if (method === 'jobs.list') return [];
      if (method === 'fs.browse') return browse(request.path as string);
      if (method === 'jobs.start') {
        return {
          id: 'export-1',
          kind: 'export',
          params: request.params,
          projectId: 'p1',
          state: 'queued',
          createdAt: '',
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

async function mountStep() {
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(ExportStep);
  await vi.waitFor(() => expect(w.findAll('[data-testid="model-choice-export"] input')).toHaveLength(2));
  await flushPromises();
  return w;
}

const text = (w: Awaited<ReturnType<typeof mountStep>>, id: string) => w.get(`[data-testid="${id}"]`).text();

describe('export command line', () => {
  it('names the model, format and output, quoting paths for the shell', () => {
    expect(exportCommand({ modelDir: '/p/models/trained', format: 'gguf', out: '/p/exports/my model.gguf', dtype: 'f16', overwrite: true })).toBe(
      "slayer export /p/models/trained --format gguf --out '/p/exports/my model.gguf' --dtype f16 --force",
    );
    expect(exportCommand({ modelDir: '/m', format: 'axolotl', out: '/o', overwrite: false })).toBe('slayer export /m --format axolotl --out /o');
  });
});

describe('export step', () => {
  it('offers the trained model first (folders without config.json are left out), then the project model', async () => {
    const w = await mountStep();
    const options = w.findAll('[data-testid="model-choice-export"] input');
    expect(options.map((o) => (o.element as HTMLInputElement).value)).toEqual([trained, project.modelDir]);
    expect((options[0].element as HTMLInputElement).checked).toBe(true);
    w.unmount();
  });

  it('writes each format under exports/, a GGUF named after the model and weights type', async () => {
    const w = await mountStep();
    const exportsDir = join(project.dir, 'exports');
    expect(text(w, 'export-out')).toBe(join(exportsDir, 'hf'));
    await w.get('[data-format="gguf"] input').setValue();
    await flushPromises();
    expect((w.get('[data-testid="dtype"]').element as HTMLSelectElement).value).toBe('f16');
    expect(text(w, 'export-out')).toBe(join(exportsDir, 'gguf', 'trained-f16.gguf'));
    await w.get('[data-testid="dtype"]').setValue('f32');
    expect(text(w, 'export-out')).toBe(join(exportsDir, 'gguf', 'trained-f32.gguf'));
    await w
      .findAll('button')
      .find((b) => b.text() === 'Show command')!
      .trigger('click');
    expect(text(w, 'export-command')).toBe(`slayer export ${trained} --format gguf --out ${join(exportsDir, 'gguf', 'trained-f32.gguf')} --dtype f32`);
    await w.get('[data-format="llamafactory"] input').setValue();
    expect(w.find('[data-testid="dtype"]').exists()).toBe(false);
    expect(text(w, 'export-command')).toBe(`slayer export ${trained} --format llamafactory --out ${join(exportsDir, 'llamafactory')}`);
    w.unmount();
  });

  it('asks before replacing an existing output, then exports with overwrite and shows the result', async () => {
    await mkdir(join(project.dir, 'exports', 'axolotl'), { recursive: true });
    await writeFile(join(project.dir, 'exports', 'axolotl', 'axolotl.yaml'), '');
    const w = await mountStep();
    await w.get('[data-format="axolotl"] input').setValue();
    await vi.waitFor(() => w.get('[data-testid="export-exists"]'));
    expect(w.get('[data-testid="export"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="replace-existing"]').setValue(true);
    expect(w.get('[data-testid="export"]').attributes('disabled')).toBeUndefined();
    await w.get('[data-testid="export"]').trigger('click');
    await flushPromises();
    const [, request] = calls.find(([m]) => m === 'jobs.start')!;
    const out = join(project.dir, 'exports', 'axolotl');
    expect(request).toEqual({ kind: 'export', params: { modelDir: trained, format: 'axolotl', out, overwrite: true }, projectId: 'p1' });

    // The job finishes: the result card shows the layers the cluster run trains.
    const result: JobResults['export'] = {
      format: 'axolotl',
      out,
      files: ['axolotl.yaml', 'deepspeed_zero2.json', 'README-handoff.md'].map((f) => join(out, f)),
      bytesWritten: 4096,
      seconds: 0.2,
      dtype: null,
      trainableLayers: [1, 3],
      gguf: null,
      warnings: [],
    };
    const jobs = useJobsStore();
    jobs.jobs = jobs.jobs.map((j): JobRecord => (j.id === 'export-1' ? ({ ...j, state: 'succeeded', result } as JobRecord) : j));
    await flushPromises();
    const card = w.get('[data-testid="export-result"]');
    expect(card.attributes('data-format')).toBe('axolotl');
    expect(card.findAll('.chip').map((c) => c.text())).toEqual(['1', '3']);
    expect(card.text()).toContain('3 files · 4.0 KB');
    expect(card.text()).toContain('The cluster run trains these layers');
    w.unmount();
  });

  it('shows a verified GGUF with its counts', async () => {
    const w = await mountStep();
    await w.get('[data-format="gguf"] input').setValue();
    await w.get('[data-testid="export"]').trigger('click');
    await flushPromises();
    const out = join(project.dir, 'exports', 'gguf', 'trained-f16.gguf');
    const result: JobResults['export'] = {
      format: 'gguf',
      out,
      files: [out],
      bytesWritten: 3 * 2 ** 20,
      seconds: 1.2,
      dtype: 'f16',
      trainableLayers: null,
      warnings: ['Left out 1 tensor(s) the model does not use (first: rotary.inv_freq).'],
      gguf: {
        architecture: 'llama',
        tokenizer: 'llama',
        chatTemplates: { source: 'chat_template.jinja', hasDefault: true, names: ['tool_use'] },
        tensors: 30,
        skippedTensors: ['rotary.inv_freq'],
        verification: { metadataKeys: 28, tensors: 30, values: 123456 },
        warnings: [],
      },
    };
    const jobs = useJobsStore();
    jobs.jobs = jobs.jobs.map((j): JobRecord => (j.id === 'export-1' ? ({ ...j, state: 'succeeded', result } as JobRecord) : j));
    await flushPromises();
    expect(text(w, 'gguf-verified')).toContain('Verified: all 30 tensors (123,456 values) and 28 metadata entries read back equal');
    expect(text(w, 'export-warnings')).toContain('Left out 1 tensor(s)');
    expect(text(w, 'gguf-chat-template')).toContain('Chat template carried over from chat_template.jinja (named templates: tool_use)');
    expect(w.get('[data-testid="export-result"]').text()).toContain('3.0 MB · f16');
    w.unmount();
  });
});
