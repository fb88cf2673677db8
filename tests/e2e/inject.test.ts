/**
 * The Inject step end to end in browser mode: a generated 8-layer model, a corpus built by a real
 * 'corpus' job, the S plan saved in the Plan step. The step builds the expanded model (real
 * surgery, function check line), trains with live curves, stops and saves mid-run, resumes from
 * the checkpoint, keeps training through a page reload (the server runs the job, the page only
 * watches it) and ends with the summary of what the train jobs reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { Project } from '../../src/shared/api.js';
import type { JobResults } from '../../src/shared/jobs.js';
import { screenshot, type App, invoke, stepScreenshot, createProject, chooseModel, startAppWithTinyModel, DEMO_CODE, DEMO_GENERAL } from './harness.js';

/** Long enough to stop, resume and reload mid-run when steps are fast (10-50 a second here, depending on the load). */
const STEPS = 400;

/** The step shown as the training card reports it ("Step 12 of 240"), 0 before the first. */
async function liveStep(page: Page): Promise<number> {
  const text =
    (await page
      .getByTestId('live-step')
      .textContent({ timeout: 1000 })
      .catch(() => null)) ?? '';
  return Number(/Step ([\d,]+)/.exec(text)?.[1].replace(/,/g, '') ?? 0);
}

const points = async (page: Page) => Number(await page.getByTestId('training-curves').getAttribute('data-points'));

describe('inject step in browser mode', () => {
  let app: App;
  let modelDir: string;

  beforeAll(async () => {
    ({ app, modelDir } = await startAppWithTinyModel());
  });
  afterAll(async () => app?.close());

  it('builds the expanded model, trains, stops and saves, resumes through a reload and shows the summary', async () => {
    const { page } = app;
    await page.goto(app.url);
    await createProject(page, 'Python helpers', 'code');
    await chooseModel(page, modelDir);

    // Settings: what app.info says, and one thread for the jobs from now on.
    await page.getByTestId('open-settings').click();
    const info = page.getByTestId('app-info');
    expect(await info.textContent()).toContain('browser mode (a local server)');
    expect(await info.textContent()).toContain(app.home);
    await page.getByTestId('settings-threads').fill('1');
    await page.getByTestId('save-settings').click();
    await page.getByRole('dialog').getByText('✓ Saved').waitFor();
    expect((await invoke(app, 'settings.get', {})).threads).toBe(1);
    await screenshot(page, '10-settings');
    await page.getByRole('button', { name: 'Close', exact: true }).first().click();

    // Inject first: it says what is missing and where to get it.
    await page.locator('[data-step="inject"]').click();
    const needs = page.getByTestId('inject-needs');
    await needs.waitFor();
    expect(await needs.locator('[data-need="model"]').getAttribute('data-ok')).toBe('true');
    expect(await needs.locator('[data-need="corpus"]').getAttribute('data-ok')).toBe('false');
    expect(await needs.locator('[data-need="plan"]').getAttribute('data-ok')).toBe('false');

    // The corpus (a real job, as the Corpus step starts it) and the recommended S plan, saved in the Plan step.
    const [project] = (await invoke(app, 'projects.list', {})) as Project[];
    const corpus = join(project.dir, 'corpus');
    const corpusJob = await invoke(app, 'jobs.start', {
      kind: 'corpus',
      params: { modelDir, data: DEMO_CODE, general: DEMO_GENERAL, domain: 'code', seqLen: 128, out: corpus },
      projectId: project.id,
    });
    await expect.poll(async () => (await invoke(app, 'jobs.get', { id: corpusJob.id })).state, { timeout: 60_000, interval: 250 }).toBe('succeeded');
    await needs.getByRole('button', { name: 'Go to Plan' }).click();
    await expect.poll(() => page.locator('.layer-map [data-kind="new"]').count()).toBe(2);
    await page.getByTestId('save-plan').click();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Saved');

    // Stage 1: the surgery. The S plan removes layer 7 and refreshes 6 from the mean of 6 and 7; the check confirms
    // the new blocks are exact pass-throughs and the rest is that composition of the original.
    await page.locator('[data-step="inject"]').click();
    await page.getByTestId('build').click();
    const check = page.getByTestId('function-check');
    await check.waitFor({ timeout: 30_000 });
    expect(await check.textContent()).toContain('computes exactly what the plan says: the base model without layer 7, with layer 6 as the mean of layers 6-7');
    // What the surgery cost, measured before training: the original and the built model on both kinds of text.
    const cost = page.getByTestId('surgery-cost-table');
    await cost.waitFor({ timeout: 60_000 });
    await expect.poll(() => cost.locator('tbody tr').count(), { timeout: 60_000 }).toBe(2);
    expect(await page.getByTestId('surgery-cost-words').textContent()).toContain('perplexity on your documents by');
    expect(await page.getByTestId('trainable-layers').textContent()).toBe('2, 5, 8');
    expect(existsSync(join(project.dir, 'models', 's-expanded', 'slayer.json'))).toBe(true);

    // Stage 2: a short run, set in the form; the command line says the same.
    const expanded = join(project.dir, 'models', 's-expanded');
    const trained = join(project.dir, 'models', 's-trained');
    await page.getByLabel('Training steps').fill(String(STEPS));
    await page.getByLabel('Training steps').dispatchEvent('change');
    await page.getByTestId('train-settings').locator('summary').click();
    for (const [label, value] of [
      ['Batch size', '2'],
      ['Sequence length', '32'],
      ['Evaluate every', '50'],
      ['Checkpoint every', '0'],
    ]) {
      await page.getByLabel(label, { exact: true }).fill(value);
      await page.getByLabel(label, { exact: true }).dispatchEvent('change');
    }
    await page.getByRole('button', { name: 'Show command' }).click();
    const commands = (await page.getByTestId('inject-command').textContent())!.split('\n');
    expect(commands[0]).toBe(`slayer apply ${join(project.dir, 'plan.json')} --model ${modelDir} --out ${expanded} --force`);
    expect(commands[1]).toBe(
      // Settings at their defaults (lr 1e-4, cosine, weight decay 0.1, clip 1, adamw, seed 0) are left out.
      `slayer train ${expanded} --data ${corpus} --out ${trained} --steps ${STEPS} --seq-len 32 --batch 2 --eval-data ${corpus} --eval-every 50 --checkpoint-every 0`,
    );
    await page.getByRole('button', { name: 'Show command' }).click();

    await page.getByTestId('start-training').click();
    await page.getByTestId('training-live').waitFor();
    await expect.poll(() => liveStep(page), { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(5);
    expect(await page.getByTestId('training-curves').locator('svg').count()).toBe(2);

    // Stop and save: the job ends cancelled with a checkpoint at the step it reached.
    await page.getByTestId('stop-training').click();
    const offer = page.getByTestId('resume-offer');
    await offer.waitFor({ timeout: 30_000 });
    const saved = Number(/saved at step (\d+)/.exec((await offer.textContent())!)![1]);
    expect(saved).toBeGreaterThanOrEqual(5);
    expect(saved).toBeLessThan(STEPS);
    expect(existsSync(join(trained, 'checkpoints', `step-${String(saved).padStart(8, '0')}`, 'manifest.json'))).toBe(true);
    expect(await points(page)).toBeGreaterThanOrEqual(saved - 1);
    await stepScreenshot(page, '05-inject-stopped');

    // Resume, then reload the page mid-run: the run goes on, and its curves and progress come back.
    await page.getByTestId('resume-training').click();
    await expect.poll(() => liveStep(page), { timeout: 30_000, interval: 100 }).toBeGreaterThan(saved + 3);
    const before = await points(page);
    await page.reload();
    await page.locator('[data-step="inject"]').click();
    await page.getByTestId('training-live').waitFor();
    expect(await points(page)).toBeGreaterThanOrEqual(before);
    const afterReload = await liveStep(page);
    await expect.poll(() => liveStep(page), { timeout: 30_000, interval: 100 }).toBeGreaterThan(afterReload);
    await stepScreenshot(page, '05-inject-training');

    // Done: the summary shows what the resumed job reported for the whole run.
    const summary = page.getByTestId('train-summary');
    await summary.waitFor({ timeout: 90_000 });
    const trains = (await invoke(app, 'jobs.list', { projectId: project.id })).filter((j) => j.kind === 'train');
    expect(trains.map((j) => j.state)).toEqual(['succeeded', 'cancelled']);
    // Both ran with the thread count set in Settings.
    expect(trains.map((j) => j.params.threads)).toEqual([1, 1]);
    const result = trains[0].result as JobResults['train'];
    expect(result.resumedFrom).toBe(saved);
    expect(result.losses).toHaveLength(STEPS);
    expect(await page.getByTestId('final-loss').textContent()).toBe(result.losses.at(-1)!.toFixed(4));
    expect(await summary.textContent()).toContain(`Trained ${STEPS} steps in 2 sessions`);
    expect(await page.getByTestId('summary-speed').textContent()).toBe(`${Math.round(result.tokensPerSecond).toLocaleString('en-US')} tokens/s`);
    expect(await points(page)).toBe(STEPS);
    const chart = await page.getByTestId('loss-chart').textContent();
    expect(chart).toContain('held-out: your documents');
    expect(chart).toContain('optimizer step');
    expect(await page.getByTestId('lr-chart').textContent()).toContain('learning rate');
    expect(existsSync(join(trained, 'config.json'))).toBe(true);
    await stepScreenshot(page, '05-inject');

    // History: both sessions of the run, compared, with the plan they trained next to the saved one.
    await page.getByTestId('open-history').click();
    const history = page.getByTestId('history');
    expect(await history.locator(`[data-job="${trains[0].id}"] [data-testid="job-numbers"]`).textContent()).toBe(
      `final loss ${result.losses.at(-1)!.toFixed(4)} · ${STEPS} steps · ${Math.round(result.tokensPerSecond).toLocaleString('en-US')} tokens/s · resumed from step ${saved}`,
    );
    for (const t of trains) await history.locator(`[data-job="${t.id}"] input[type="checkbox"]`).check();
    await history.getByTestId('compare-settings').waitFor();
    const settingRow = (label: string) =>
      history
        .getByTestId('compare-settings')
        .locator('tbody tr', { has: page.locator('th', { hasText: label }) })
        .first();
    expect(await settingRow('Steps').locator('td').allTextContents()).toEqual([String(STEPS), String(STEPS)]);
    expect(await history.getByTestId('plan-diff').locator('tbody tr').first().locator('td').allTextContents()).toEqual(['s', 's', 's']);
    await history.getByTestId('compare-chart').locator('svg').waitFor();
    await screenshot(page, '11-history');
    await page.keyboard.press('Escape');

    await page.getByTestId('go-evaluate').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Evaluate');
  });
});
