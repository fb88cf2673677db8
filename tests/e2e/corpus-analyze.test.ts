/**
 * Corpus and Analyze steps end to end in browser mode: the demo code corpus and general text are
 * previewed and built with a generated 8-layer model (through the pipeline's corpus stage, as
 * general text is chosen), the statistics and histogram shown match the corpus.json it wrote,
 * the layers are measured on both texts, the curves are read out, and the chosen scores reach
 * the Plan step's layer map.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CorpusReport } from '../../src/main/data/report.js';
import { type App, stepScreenshot, createProject, chooseModel, startAppWithTinyModel, DEMO_CODE, DEMO_GENERAL } from './harness.js';

async function findFile(root: string, name: string): Promise<string> {
  // Not the token cache's files, nor the stage records (stages/corpus.json is the corpus stage's record).
  const hits = (await readdir(root, { recursive: true })).filter((p) => p.endsWith(`/${name}`) && !p.includes('cache') && !p.includes('/stages/'));
  expect(hits).toHaveLength(1);
  return join(root, hits[0]);
}

describe('corpus and analyze steps in browser mode', () => {
  let app: App;
  let modelDir: string;

  beforeAll(async () => {
    ({ app, modelDir } = await startAppWithTinyModel());
  });
  afterAll(async () => app?.close());

  it('previews and builds the corpus, measures the layers and hands the scores to the plan', async () => {
    const { page } = app;
    await page.goto(app.url);
    await createProject(page, 'Python helpers', 'code');

    await chooseModel(page, modelDir);

    // Corpus: the documents picker is open while no folder is chosen; the field comes from the project.
    await page.locator('[data-step="corpus"]').click();
    expect(await page.getByLabel('Field of the documents').inputValue()).toBe('code');
    await page.getByLabel('Documents folder path').fill(DEMO_CODE);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByLabel(`Folders in ${DEMO_CODE}`).waitFor();
    await page.getByTestId('choose-folder').click();
    const preview = page.getByTestId('corpus-preview');
    await preview.waitFor();
    expect(await preview.locator('.kinds').textContent()).toMatch(/code\s*\d+/);
    expect(await preview.locator('.excerpt').count()).toBe(3);

    await page.getByTestId('general-folder').getByRole('button', { name: 'Choose…' }).click();
    await page.getByLabel('General text folder path').fill(DEMO_GENERAL);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByLabel(`Folders in ${DEMO_GENERAL}`).waitFor();
    await page.getByTestId('choose-folder').click();
    await page.getByTestId('general-preview').waitFor();
    expect(await page.getByTestId('general-preview').textContent()).toMatch(/\d+ files · [\d.]+ MB · text \d+/);

    await page.getByTestId('build-corpus').click();
    await page.getByRole('progressbar', { name: 'Building the corpus' }).waitFor();
    const report = page.getByTestId('corpus-report');
    await report.waitFor({ timeout: 60_000 });

    // Built by the corpus stage (a pipeline job), so `slayer run` reuses it; what the page shows is what it wrote to the project's corpus folder.
    expect((await readdir(app.home, { recursive: true })).filter((p) => p.endsWith('stages/corpus.json'))).toHaveLength(1);
    const written = JSON.parse(await readFile(await findFile(app.home, 'corpus.json'), 'utf8')) as CorpusReport;
    expect(await page.getByTestId('corpus-documents').textContent()).toBe(written.documents.toLocaleString('en-US'));
    expect(await page.getByTestId('corpus-duplicates').textContent()).toBe(String(written.duplicatesRemoved));
    expect(await page.getByTestId('truncated-share').textContent()).toContain(
      `${Math.round(written.truncatedShare * 100)}% of your documents are longer than 512 tokens`,
    );
    const splitRows = page.getByTestId('corpus-split').locator('tbody tr');
    expect(await splitRows.count()).toBe(4);
    expect(await splitRows.nth(0).locator('td').nth(1).textContent()).toBe(written.split.train.documents.toLocaleString('en-US'));
    expect(await splitRows.nth(3).locator('td').nth(1).textContent()).toBe(written.split['general-validation'].documents.toLocaleString('en-US'));
    const histogram = page.getByTestId('length-histogram');
    expect(await histogram.locator('svg').count()).toBe(1);
    expect(await histogram.textContent()).toContain('tokens per document');
    expect(await histogram.textContent()).toContain('shorter than 512 tokens');
    expect(await page.getByText('Worth knowing').count()).toBe(written.warnings.length ? 1 : 0);
    await stepScreenshot(page, '02-corpus');

    // Analyze: two score jobs, two curves, a reading and the recorded settings.
    await page.locator('[data-step="analyze"]').click();
    await page.getByTestId('measure-layers').click();
    const chart = page.getByTestId('importance-chart');
    await chart.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('recorded-settings').locator('tbody tr').count(), { timeout: 60_000 }).toBe(2);
    expect(await chart.textContent()).toContain('domain text');
    expect(await chart.textContent()).toContain('general text');
    expect(await chart.textContent()).toContain('angular distance');
    const reading = await page.getByTestId('scores-reading').textContent();
    expect(reading).toMatch(/change the text most \(angular distance [\d.]+/);
    expect(reading).toMatch(/first candidates? to remove/);
    expect(await page.getByTestId('recorded-settings').textContent()).toContain('Sequence length');
    await page.locator('.toggle label', { hasText: 'block influence' }).click();
    await expect.poll(() => chart.textContent(), { timeout: 5_000 }).toContain('block influence');
    await page.locator('.toggle label', { hasText: 'angular distance' }).click();
    await stepScreenshot(page, '03-analyze');

    await page.getByTestId('use-scores').click();
    await page.getByTestId('scores-in-plan').waitFor();

    // The Plan step makes its S plan from those scores: one importance bar per original layer.
    await page.getByRole('button', { name: 'Go to Plan' }).click();
    const map = page.locator('.layer-map');
    await map.waitFor();
    await expect.poll(() => map.locator('.bar').count(), { timeout: 20_000 }).toBe(8);

    // After a reload the built corpus, the chosen folders and the scores are all still there.
    await page.reload();
    await page.locator('[data-step="corpus"]').click();
    await page.getByTestId('corpus-report').waitFor();
    expect(await page.getByTestId('data-folder').textContent()).toContain(DEMO_CODE);
    expect(await page.getByTestId('general-folder').textContent()).toContain(DEMO_GENERAL);
    await page.locator('[data-step="analyze"]').click();
    await page.getByTestId('scores-in-plan').waitFor();

    // A quick scan (int8 products) measures again and says so over the curves.
    await page.getByTestId('quick-scan').check();
    await page.getByTestId('measure-layers').click();
    await page.getByTestId('quick-scan-note').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('quick-scan-note').textContent(), { timeout: 60_000 }).toContain('your documents and general text');
    await expect.poll(() => page.getByTestId('recorded-settings').textContent(), { timeout: 60_000 }).toContain('int8 quick scan');
    await stepScreenshot(page, '03-analyze-quick-scan');
  });
});
