/**
 * "Do the remaining steps for me" in browser mode, end to end on the real server and compute
 * processes: a project with a generated 8-layer model and the demo's code and general corpora,
 * tiny pipeline settings in its settings.json; one click runs every stage, Stop in the middle of
 * training keeps the finished stages (the Evaluate step lists what their evaluate stages measured),
 * the same button resumes without redoing them, and the app lands on the Evaluate step showing
 * the numbers of the project's report.json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobResults } from '../../src/shared/jobs.js';
import type { Measurement, RunReport } from '../../src/shared/report.js';
import type { StageRecord } from '../../src/shared/pipeline.js';
import { type App, invoke, stepScreenshot, startAppWithTinyModel, DEMO_CODE, DEMO_GENERAL, perplexityText, openProjectWithSettings } from './harness.js';

describe('the remaining steps in one action, in browser mode', () => {
  let app: App;
  let modelDir: string;

  beforeAll(async () => {
    ({ app, modelDir } = await startAppWithTinyModel());
  });
  afterAll(async () => app?.close());

  it('runs every stage, stops mid-way keeping what finished, resumes, and shows report.json on the Evaluate step', async () => {
    const { page } = app;
    // The Corpus step's choices and tiny pipeline settings: 200 training steps (some seconds even on a fast
    // machine), so Stop lands in the middle of training; with 40, a fast CI machine finished before the click.
    const project = await openProjectWithSettings(app, modelDir, 'Helpers', {
      corpus: { data: DEMO_CODE, general: DEMO_GENERAL, seqLen: 32 },
      pipeline: { steps: 200, batch: 2, scoreSamples: 4, evalSamples: 8, baselines: [] },
    });
    await page.locator('[data-step="analyze"]').click();
    const start = page.getByTestId('remaining-start');
    expect(await start.textContent()).toContain('Do the remaining steps for me');
    await start.click();

    // One progress view across the stages; Stop while the S model trains.
    await page.getByTestId('remaining-progress').waitFor();
    await page.locator('[data-stage="train-s"][data-state="running"]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('remaining-current').textContent()).toContain('Training S (SLayer)');
    await stepScreenshot(page, '00-remaining-steps-progress');
    await page.getByTestId('remaining-stop').click();
    await page.getByTestId('remaining-stopped').waitFor();
    const stopped = await invoke(app, 'pipeline.status', { projectId: project.id });
    const done = stopped.stages.filter((s) => s.state === 'done').map((s) => s.name);
    expect(done).toEqual(['model', 'corpus', 'score-domain', 'score-general', 'evaluate-base', 'plan-s', 'apply-s', 'evaluate-built-s']);
    expect(stopped.stages.find((s) => s.name === 'train-s')!.state).not.toBe('done');
    const finishedBefore = Object.fromEntries(stopped.stages.map((s) => [s.name, s.finishedAt]));

    // Before the report exists, the Evaluate step lists what the evaluate stages measured, from their records.
    await page.locator('[data-step="evaluate"]').click();
    for (const name of ['evaluate-base', 'evaluate-built-s']) {
      const record = JSON.parse(await readFile(join(project.dir, 'stages', `${name}.json`), 'utf8')) as StageRecord<Measurement>;
      const row = page.locator(`[data-testid="stage-measurements"] [data-stage="${name}"]`);
      await row.waitFor();
      expect(await row.locator('[data-field="domain"]').textContent()).toBe(perplexityText(record.output.domain.perplexity));
      expect(await row.locator('[data-field="general"]').textContent()).toBe(perplexityText(record.output.general.perplexity));
    }

    // Resume: the finished stages are reused, the rest run, and the app lands on the Evaluate step.
    expect(await start.textContent()).toContain('Resume the remaining steps');
    await start.click();
    await page.getByTestId('report-table').waitFor({ timeout: 180_000 });
    expect(await page.locator('[data-step="evaluate"]').getAttribute('aria-current')).toBe('step');
    const runs = (await invoke(app, 'jobs.list', { projectId: project.id })).filter((j) => j.kind === 'pipeline');
    expect(runs.map((j) => j.state)).toEqual(['succeeded', 'cancelled']);
    const resumed = runs[0].result as JobResults['pipeline'];
    expect(resumed.reused).toEqual(done);
    expect(resumed.ran).toEqual(['train-s', 'evaluate-s', 'export', 'report']);
    const after = await invoke(app, 'pipeline.status', { projectId: project.id });
    expect(after.stages.every((s) => s.state === 'done')).toBe(true);
    for (const name of done) expect(after.stages.find((s) => s.name === name)!.finishedAt).toBe(finishedBefore[name]);

    // The Evaluate step shows the numbers of the project's report.json.
    const report = JSON.parse(await readFile(join(project.dir, 'report.json'), 'utf8')) as RunReport;
    // report.html explains its numbers in the app's words (src/shared/glossary.ts).
    const html = await readFile(join(project.dir, 'report.html'), 'utf8');
    expect(html).toContain('<h3>What this means for you</h3>');
    expect(html).toContain('<h2>Glossary</h2>');
    expect(await page.getByTestId('report-before-domain').textContent()).toBe(perplexityText(report.before.domain.perplexity));
    expect(await page.getByTestId('report-before-general').textContent()).toBe(perplexityText(report.before.general.perplexity));
    const s = report.runs.find((r) => r.strategy === 's')!;
    expect(await page.locator('[data-run="s"] [data-field="domain"]').textContent()).toBe(perplexityText(s.after.domain.perplexity));
    expect(await page.locator('[data-run="s"] [data-field="general"]').textContent()).toBe(perplexityText(s.after.general.perplexity));
    expect(s.training.steps).toBe(200);
    expect(await page.getByTestId('report-findings').textContent()).toContain(report.findings[0]);
    expect(await page.getByTestId('remaining-all-done').textContent()).toContain('Every stage is done');
    await stepScreenshot(page, '06-evaluate-pipeline-report');
  });
});
