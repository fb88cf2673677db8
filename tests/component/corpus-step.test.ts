/**
 * The Corpus step on real data: a small documents folder (with a file that must be skipped) is
 * previewed by the same function main uses, the chosen folders come back per project after a
 * reload, Build starts the 'corpus' job into the project's corpus folder, and a built corpus
 * (a real build with a generated model's tokenizer) shows the numbers of its report.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import CorpusStep from '../../src/renderer/src/steps/CorpusStep.vue';
import FolderPicker from '../../src/renderer/src/components/FolderPicker.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { buildCorpus } from '../../src/main/data/index.js';
import { previewCorpus } from '../../src/main/data/preview.js';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { ModelFolder } from '../../src/main/model/folder.js';
import { tempDir } from '../helpers/tmp.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

let settingsFiles = new FakeProjectSettings();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let docs: string;
let modelDir: string;
let report: JobResults['corpus'];
const base: Project = { id: 'p1', name: 'Contracts', domain: 'legal', createdAt: '', updatedAt: '', modelDir: null, dir: '/projects/p1' };

beforeAll(async () => {
  tmp = await tempDir('slayer-corpus-step-');
  docs = join(tmp.dir, 'contracts');
  await mkdir(docs, { recursive: true });
  for (let i = 0; i < 12; i++) {
    const clauses = Array.from(
      { length: 20 + i * 15 },
      (_, k) => `Clause ${k + 1} of agreement ${i}: the tenant shall pay ${100 + i * k} euros by day ${1 + ((k * 7 + i) % 28)}.`,
    );
    await writeFile(join(docs, `agreement-${i}.txt`), clauses.join('\n'));
  }
  await writeFile(join(docs, 'scan.bin'), Buffer.from([0, 1, 2, 3, 0, 0, 255, 0]));
  modelDir = join(tmp.dir, 'tiny-llama');
  await generateTestModel(modelDir, { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 2, vocabSize: 400, seed: 1, dtype: 'f32' });
  const folder = await ModelFolder.open(modelDir);
  const tokenizer = await folder.loadTokenizer().finally(() => folder.close());
  report = await buildCorpus({ data: docs, general: null, tokenizer, cacheRoot: join(tmp.dir, 'cache'), domain: 'legal', seqLen: 128, seed: 0 });
});
afterAll(async () => tmp.cleanup());

let calls: [string, Record<string, unknown>][];
let history: JobRecord[];

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  projects = {};
  calls = [];
  history = [];
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      calls.push([method, request]);
      if (method === 'corpus.preview') return previewCorpus(request.path as string, { html: request.html as 'document' | 'code' | undefined });
      if (method === 'fs.browse') return { path: tmp.dir, parent: '/', entries: [], hasConfig: false };
      if (method === 'jobs.list') return history;
      // The field is the project's own (project.json), as main keeps it.
      if (method === 'projects.update')
        return (projects[request.id as string] = { ...projects[request.id as string], ...request, dir: '/projects/p1' } as Project);
      if (method === 'jobs.start')
        return {
          id: 'job-1',
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
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});

/** The projects as main last wrote them (projects.update). */
let projects: Record<string, Project> = {};

async function mountStep(project: Project) {
  await useJobsStore().load();
  projects[project.id] ??= project;
  useAppStore().project = projects[project.id];
  useAppStore().projects = Object.values(projects);
  const w = mount(CorpusStep);
  await flushPromises();
  return w;
}

describe('corpus step', () => {
  it('starts from the project field, previews the chosen folder with skip reasons, and keeps the choice for the project', async () => {
    const w = await mountStep(base);
    expect((w.get('select[aria-label="Field of the documents"]').element as HTMLSelectElement).value).toBe('legal');
    // Nothing chosen yet: the documents picker is open, and building waits for a model.
    expect(w.findComponent(FolderPicker).props()).toMatchObject({ label: 'Documents folder path' });
    expect(w.get('[data-testid="needs-model"]').text()).toContain('Choose a model first (step 1)');

    w.findComponent(FolderPicker).vm.$emit('choose', docs);
    await vi.waitFor(() => w.get('[data-testid="corpus-preview"]'));
    const expected = await previewCorpus(docs, { html: 'document' });
    expect(calls.filter(([m]) => m === 'corpus.preview')).toEqual([['corpus.preview', { path: docs, html: 'document' }]]);
    const preview = w.get('[data-testid="corpus-preview"]');
    expect(preview.text()).toContain(`${expected.files} files`);
    expect(preview.get('.kinds').text()).toContain(`Text ${expected.kinds.text}`);
    expect(expected.skipped.map((s) => s.path.split('/').pop())).toEqual(['scan.bin']);
    expect(preview.get('[data-testid="skipped"]').text()).toContain(expected.skipped[0].reason);
    // One kind (text): its first three documents, as extracted.
    expect(preview.findAll('.group').map((g) => g.attributes('data-kind'))).toEqual(['text']);
    expect(preview.findAll('.excerpt')).toHaveLength(3);
    expect(preview.get('.excerpt pre').text()).toBe(expected.documents[0].excerpt);
    // No web pages: nothing to choose about them.
    expect(w.find('[data-testid="html-reading"]').exists()).toBe(false);
    expect(w.findComponent(FolderPicker).exists()).toBe(false);

    await w.get('select[aria-label="Field of the documents"]').setValue('code');
    w.unmount();

    // A reload: the same project gets its folder and field back; another project starts empty.
    setActivePinia(createPinia());
    const again = await mountStep(base);
    expect(again.get('[data-testid="data-folder"]').text()).toContain(docs);
    expect((again.get('select[aria-label="Field of the documents"]').element as HTMLSelectElement).value).toBe('code');
    again.unmount();
    setActivePinia(createPinia());
    const other = await mountStep({ ...base, id: 'p2', domain: 'math' });
    expect(other.get('[data-testid="data-folder"]').text()).toContain('Not chosen yet');
    expect((other.get('select[aria-label="Field of the documents"]').element as HTMLSelectElement).value).toBe('math');
  });

  it('builds into the project corpus folder with the chosen settings', async () => {
    settingsFiles = new FakeProjectSettings({ p1: { corpus: { data: docs, general: null, seqLen: 256, seed: 3 } } });
    const w = await mountStep({ ...base, modelDir });
    await w.get('[data-testid="build-corpus"]').trigger('click');
    await flushPromises();
    expect(calls.filter(([m]) => m === 'jobs.start')).toEqual([
      [
        'jobs.start',
        {
          kind: 'corpus',
          params: { modelDir, data: docs, general: null, domain: 'legal', html: null, seqLen: 256, seed: 3, out: '/projects/p1/corpus' },
          projectId: 'p1',
        },
      ],
    ]);
  });

  it('shows the latest built corpus of the project: counts, the share past the sequence length and the split', async () => {
    const done = '2026-01-02T10:00:00.000Z';
    const params = { modelDir, data: docs, general: null, domain: 'legal', html: null, seqLen: 128, seed: 0, out: '/projects/p1/corpus' };
    history = [
      {
        id: 'c1',
        kind: 'corpus',
        params,
        projectId: 'p1',
        state: 'succeeded',
        createdAt: done,
        startedAt: done,
        endedAt: done,
        progress: null,
        error: null,
        errorDetail: null,
        result: report,
      } as JobRecord,
    ];
    settingsFiles = new FakeProjectSettings({ p1: { corpus: { data: docs, general: null, seqLen: 128, seed: 0 } } });
    const w = await mountStep({ ...base, modelDir });
    const shown = w.get('[data-testid="corpus-report"]');
    expect(shown.get('[data-testid="corpus-documents"]').text()).toBe(String(report.documents));
    expect(shown.get('[data-testid="corpus-skipped"]').text()).toBe(String(report.skipped.length));
    expect(shown.get('[data-testid="corpus-duplicates"]').text()).toBe(String(report.duplicatesRemoved));
    expect(shown.get('[data-testid="truncated-share"]').text()).toContain(
      `${Math.round(report.truncatedShare * 100)}% of your documents are longer than 128 tokens`,
    );
    const rows = shown.findAll('[data-testid="corpus-split"] tbody tr');
    // No general text: training and validation only, with their document counts adding up to the corpus.
    expect(rows).toHaveLength(2);
    const docCounts = rows.map((r) => Number(r.findAll('td')[1].text().replace(/,/g, '')));
    expect(docCounts[0] + docCounts[1]).toBe(report.documents);
    for (const warning of report.warnings) expect(shown.text()).toContain(warning);
    expect(report.warnings.some((x) => x.includes('No general text'))).toBe(true);
    expect(w.find('[data-testid="corpus-stale"]').exists()).toBe(false);
    expect(w.get('[data-testid="build-corpus"]').text()).toBe('Build again');
  });
});
