/**
 * The Corpus step on a folder of documents as a lawyer keeps them (a Word contract, a saved court
 * page, a licence text without an extension): the preview shows the extracted text of the first
 * documents of each kind, web pages are read as the field suggests and the user can switch, the
 * choice is kept and sent with the build, and the built report says which reading it used.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import CorpusStep from '../../src/renderer/src/steps/CorpusStep.vue';
import { useAppStore } from '../../src/renderer/src/stores/app';
import { useJobsStore } from '../../src/renderer/src/stores/jobs';
import { buildCorpus } from '../../src/main/data/index.js';
import { previewCorpus } from '../../src/main/data/preview.js';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { ModelFolder } from '../../src/main/model/folder.js';
import { tempDir } from '../helpers/tmp.js';
import { makeDocx, makeHtmlPage, SAMPLE, SAMPLE_TEXT } from '../unit/data/make-documents.js';
import type { Project, SlayerApi } from '../../src/shared/api.js';
import type { HtmlReading } from '../../src/shared/corpus.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import { FakeProjectSettings, NOT_SETTINGS } from './fake-project-settings.js';

let settingsFiles = new FakeProjectSettings();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let docs: string;
let modelDir: string;
let report: JobResults['corpus'];
const PAGE = makeHtmlPage(SAMPLE, 'x = 1');
const base: Project = { id: 'p1', name: 'Contracts', domain: 'legal', createdAt: '', updatedAt: '', modelDir: null, dir: '/projects/p1' };

beforeAll(async () => {
  tmp = await tempDir('slayer-corpus-documents-');
  docs = join(tmp.dir, 'kanzlei');
  await mkdir(docs, { recursive: true });
  await writeFile(join(docs, 'kaufvertrag.docx'), makeDocx(SAMPLE));
  await writeFile(join(docs, 'urteil.html'), PAGE);
  await writeFile(join(docs, 'Apache-2.0'), `Apache License\nVersion 2.0, January 2004\n\n${'Licensed under the Apache License. '.repeat(30)}\n`);
  modelDir = join(tmp.dir, 'tiny-llama');
  await generateTestModel(modelDir, { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 2, vocabSize: 400, seed: 1, dtype: 'f32' });
  const folder = await ModelFolder.open(modelDir);
  const tokenizer = await folder.loadTokenizer().finally(() => folder.close());
  report = await buildCorpus({ data: docs, general: null, tokenizer, cacheRoot: join(tmp.dir, 'cache'), domain: 'legal', seqLen: 32, seed: 0 });
});
afterAll(async () => tmp.cleanup());

let calls: [string, Record<string, unknown>][];
let history: JobRecord[];

beforeEach(() => {
  localStorage.clear();
  settingsFiles = new FakeProjectSettings();
  calls = [];
  history = [];
  window.slayer = {
    invoke: async (method: string, request: Record<string, unknown>) => {
      const setting = settingsFiles.answer(method, request);
      if (setting !== NOT_SETTINGS) return setting;
      calls.push([method, request]);
      if (method === 'corpus.preview') return previewCorpus(request.path as string, { html: request.html as HtmlReading });
      if (method === 'jobs.list') return history;
      if (method === 'projects.update') return { ...useAppStore().project, ...request };
      if (method === 'jobs.start')
        return { id: 'job-1', kind: request.kind, params: request.params, projectId: request.projectId, state: 'queued', result: null };
      throw new Error(`unexpected ${method}`);
    },
    on: () => () => {},
  } as unknown as SlayerApi;
  setActivePinia(createPinia());
});

async function mountStep(project: Project) {
  await useJobsStore().load();
  useAppStore().project = project;
  const w = mount(CorpusStep);
  await flushPromises();
  return w;
}

const excerptOf = (w: Awaited<ReturnType<typeof mountStep>>, kind: string) => w.get(`[data-testid="corpus-preview"] .group[data-kind="${kind}"] pre`).text();

describe('corpus step with documents', () => {
  it('previews each kind as extracted, reads web pages as documents in a legal corpus, and switches to source on request', async () => {
    settingsFiles = new FakeProjectSettings({ p1: { corpus: { data: docs, general: null, seqLen: 512, seed: 0 } } });
    const w = await mountStep({ ...base, modelDir });
    await vi.waitFor(() => w.get('[data-testid="corpus-preview"]'), { timeout: 15_000 });
    const preview = w.get('[data-testid="corpus-preview"]');
    expect(preview.findAll('.group').map((g) => g.attributes('data-kind'))).toEqual(['text', 'docx', 'html']);
    expect(preview.get('.kinds').text()).toContain('Word 1');
    expect(preview.get('.kinds').text()).toContain('Web pages 1');
    expect(excerptOf(w, 'docx')).toBe(SAMPLE_TEXT);
    expect(excerptOf(w, 'html')).toMatch(/^Kaufvertrag über ein Grundstück\n\nDer Käufer zahlt den Kaufpreis fristgerecht\.\[1\]/);
    expect(excerptOf(w, 'html')).not.toContain('Startseite');
    expect(excerptOf(w, 'text')).toMatch(/^Apache License\nVersion 2\.0, January 2004/);
    expect(preview.get('.group[data-kind="html"] h3').text()).toContain('read as documents (text only)');

    const choice = w.get('[data-testid="html-reading"]');
    expect((choice.get('select').element as HTMLSelectElement).value).toBe('document');
    expect(choice.text()).toContain('as suits a legal corpus');

    await choice.get('select').setValue('code');
    await flushPromises();
    await vi.waitFor(() => expect(excerptOf(w, 'html')).toBe(PAGE.slice(0, 600)));
    expect(calls.filter(([m]) => m === 'corpus.preview').pop()).toEqual(['corpus.preview', { path: docs, html: 'code' }]);
    expect(w.get('[data-testid="html-reading"]').text()).toContain('Your choice; a legal corpus would read them as documents (text only)');
    expect(settingsFiles.get('p1').corpus).toMatchObject({ html: 'code' });

    await w.get('[data-testid="build-corpus"]').trigger('click');
    await flushPromises();
    const started = calls.filter(([m]) => m === 'jobs.start').map(([, r]) => r.params);
    expect(started).toEqual([{ modelDir, data: docs, general: null, domain: 'legal', html: 'code', seqLen: 512, seed: 0, out: '/projects/p1/corpus' }]);

    // Choosing what the field suggests again follows the field: a code corpus would then read pages as source.
    await w.get('[data-testid="html-reading"] select').setValue('document');
    expect(settingsFiles.get('p1').corpus).toMatchObject({ html: null });
    await w.get('select[aria-label="Field of the documents"]').setValue('code');
    await flushPromises();
    expect((w.get('[data-testid="html-reading"] select').element as HTMLSelectElement).value).toBe('code');
    expect(calls.filter(([m]) => m === 'projects.update')).toEqual([['projects.update', { id: 'p1', domain: 'code' }]]);
  });

  it('shows in the built report which reading the web pages got, and marks the corpus stale when the reading changes', async () => {
    const done = '2026-01-02T10:00:00.000Z';
    const params = { modelDir, data: docs, general: null, domain: 'legal', html: null, seqLen: 512, seed: 0, out: '/projects/p1/corpus' };
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
    settingsFiles = new FakeProjectSettings({ p1: { corpus: { data: docs, general: null, html: null, seqLen: 512, seed: 0 } } });
    const w = await mountStep({ ...base, modelDir });
    expect(w.get('[data-testid="corpus-kinds"]').text()).toBe('Text 1 · Word 1 · Web pages 1 — 1 web page read as documents (text only).');
    expect(w.find('[data-testid="corpus-stale"]').exists()).toBe(false);
    await vi.waitFor(() => w.get('[data-testid="html-reading"]'), { timeout: 15_000 });
    await w.get('[data-testid="html-reading"] select').setValue('code');
    expect(w.find('[data-testid="corpus-stale"]').exists()).toBe(true);
  });
});
