/**
 * The wizard's steps as views of the pipeline's stages, in browser mode on the real server and
 * compute processes: a project with a generated 8-layer model and the demo's code and general
 * corpora runs the Analyze step's stages (a 'pipeline' job up to score-general, the same code as
 * `slayer run --out PROJECT`) with no corpus or score job of its own; the Analyze step then shows
 * the corpus and the layer scores the stage records hold, labelled as the pipeline's measurement
 * with its settings, the Plan step's layer map has the pipeline's domain scores, and the Corpus
 * step shows the corpus.json the corpus stage wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScoreResult } from '../../src/shared/analysis.js';
import type { CorpusReport } from '../../src/shared/corpus.js';
import type { StageRecord } from '../../src/shared/pipeline.js';
import { type App, invoke, stepScreenshot, startAppWithTinyModel, DEMO_CODE, DEMO_GENERAL, openProjectWithSettings } from './harness.js';

describe('steps as views of the stages, in browser mode', () => {
  let app: App;
  let modelDir: string;

  beforeAll(async () => {
    ({ app, modelDir } = await startAppWithTinyModel());
  });
  afterAll(async () => app?.close());

  it('shows the corpus and the layer scores that the pipeline stages made in the Analyze, Plan and Corpus steps', async () => {
    const { page } = app;
    const project = await openProjectWithSettings(app, modelDir, 'Stages', {
      corpus: { data: DEMO_CODE, general: DEMO_GENERAL, seqLen: 32, seed: 3 },
      pipeline: { scoreSamples: 6, evalSamples: 8, baselines: [] },
    });
    await page.locator('[data-step="analyze"]').click();
    await page.getByTestId('needs-corpus').waitFor();

    // The step's own stages, run by the pipeline: model, corpus, score-domain, score-general.
    await page.getByTestId('run-stages-analyze').click();
    await page.getByTestId('layer-scores').waitFor({ timeout: 180_000 });
    // The domain curve shows as soon as score-domain is done; score-general follows in the same job.
    await expect
      .poll(() => page.getByTestId('pipeline-scores').textContent(), { timeout: 120_000 })
      .toContain("The pipeline's measurement (your documents and general text)");
    const jobs = await invoke(app, 'jobs.list', { projectId: project.id });
    expect(jobs.map((j) => j.kind)).toEqual(['pipeline']);

    const stage = async <T>(name: string) => JSON.parse(await readFile(join(project.dir, 'stages', `${name}.json`), 'utf8')) as StageRecord<T>;
    const domain = await stage<ScoreResult>('score-domain');
    const general = await stage<ScoreResult>('score-general');
    const rows = page.getByTestId('recorded-settings').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    for (const [k, [label, record]] of (
      [
        ['your documents (pipeline)', domain],
        ['general text (pipeline)', general],
      ] as const
    ).entries()) {
      const cells = await rows.nth(k).locator('td').allTextContents();
      expect(cells.slice(0, 4)).toEqual([label, String(record.output.samples), String(record.output.seqLen), String(record.output.seed)]);
    }
    // The settings.json values the stages ran with: 6 samples, the corpus's 32 tokens, seed 3.
    expect([domain.output.samples, domain.output.seqLen, domain.output.seed]).toEqual([6, 32, 3]);
    // The plan reads the pipeline's domain scores without a choice, as the pipeline's plan-s stage does.
    await page.getByTestId('scores-in-plan').waitFor();
    await stepScreenshot(page, '03-analyze-pipeline-scores');

    await page.getByRole('button', { name: 'Go to Plan' }).click();
    const map = page.locator('.layer-map');
    await map.waitFor();
    await expect.poll(() => map.locator('.bar').count(), { timeout: 20_000 }).toBe(8);

    // The Corpus step shows the corpus.json the corpus stage wrote, and that a rebuild goes through the stage.
    await page.locator('[data-step="corpus"]').click();
    await page.getByTestId('corpus-report').waitFor();
    const written = JSON.parse(await readFile(join(project.dir, 'corpus', 'corpus.json'), 'utf8')) as CorpusReport;
    expect(await page.getByTestId('corpus-documents').textContent()).toBe(written.documents.toLocaleString('en-US'));
    expect(written.documents).toBe((await stage<{ documents: number }>('corpus')).output.documents);
    expect(await page.getByTestId('corpus-stale').count()).toBe(0);
    expect(await page.getByTestId('corpus-through-pipeline').count()).toBe(1);
  });
});
