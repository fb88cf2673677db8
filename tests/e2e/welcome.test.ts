/**
 * The first open of a fresh data folder: the Welcome screen shows, and "Try it with the demo"
 * creates the demo project in main, prepares its documents and lands on Analyze, ready to measure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { invoke, startApp, stepScreenshot, type App } from './harness.js';

describe('Welcome screen in browser mode (fresh data folder, real server, Chromium)', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(async () => app?.close());

  it('shows the three ways in, each with its time on this machine', async () => {
    const { page } = app;
    await page.goto(app.url);
    await page.getByTestId('welcome').waitFor();
    for (const title of ['Try it with the demo', 'Use a model on this machine', 'Open a project']) {
      await page.getByRole('heading', { name: title }).waitFor();
    }
    expect(await page.getByTestId('welcome-demo-time').textContent()).toMatch(/first analysis then measures how fast this machine is/);
    expect(await page.getByText('Create a project first').count()).toBe(0);
    await stepScreenshot(page, '00-welcome');
  });

  it('"Try it with the demo" creates the project and lands on Analyze with the corpus chosen', async () => {
    const { page } = app;
    await page.getByTestId('welcome-demo').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Analyze');
    await expect.poll(() => page.locator('#project-select option:checked').textContent()).toContain('Demo: code knowledge');
    const [project] = await invoke(app, 'projects.list', {});
    expect(project).toMatchObject({ domain: 'code', modelDir: resolve('resources/demo/model') });
    const settings = await invoke(app, 'projects.settings', { id: project.id });
    expect(settings.corpus).toMatchObject({ data: resolve('resources/demo/corpora/code'), general: resolve('resources/demo/corpora/general'), seqLen: 128 });
    // The documents are prepared at once; then the step is ready to measure, with its estimate.
    await page.getByTestId('measure-layers').waitFor();
    await page.getByTestId('estimate-score').waitFor();
    expect(await page.getByTestId('estimate-score').textContent()).toMatch(/first one measures this machine's speed/);
    await stepScreenshot(page, '00-welcome-demo-analyze');
  });

  it('the glossary is reachable from the step', async () => {
    const { page } = app;
    await page.getByTestId('open-glossary').click();
    await page.getByTestId('glossary').waitFor();
    expect(await page.getByTestId('glossary').textContent()).toContain('Block Influence');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('glossary').count()).toBe(0);
  });
});
