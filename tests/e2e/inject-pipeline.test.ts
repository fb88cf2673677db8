/**
 * The Inject step as a view of the pipeline's stages, end to end in browser mode: a project with a
 * generated 8-layer model, the demo's code and general corpora and tiny pipeline settings, no plan
 * saved in the Plan step. The Inject step's stage list runs the stages up to train-s (real corpus,
 * scores, plan, surgery and training in the compute process); the step then shows the build and the
 * training from the stage records on disk — the same numbers as stages/apply-s.json and
 * stages/train-s.json — says the pipeline made them, and leads to the Evaluate step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageRecord } from '../../src/shared/pipeline.js';
import type { Measurement } from '../../src/shared/report.js';
import type { ApplyResult } from '../../src/shared/surgery.js';
import type { TrainResult } from '../../src/shared/training.js';
import { type App, stepScreenshot, startAppWithTinyModel, DEMO_CODE, DEMO_GENERAL, perplexityText, openProjectWithSettings } from './harness.js';

describe('the inject step over the pipeline stages, in browser mode', () => {
  let app: App;
  let modelDir: string;

  beforeAll(async () => {
    ({ app, modelDir } = await startAppWithTinyModel());
  });
  afterAll(async () => app?.close());

  it("shows the build and the training the stage list made, from the project's stage records", async () => {
    const { page } = app;
    const project = await openProjectWithSettings(app, modelDir, 'Pipeline helpers', {
      corpus: { data: DEMO_CODE, general: DEMO_GENERAL, seqLen: 32 },
      pipeline: { steps: 6, batch: 2, scoreSamples: 4, evalSamples: 8, baselines: [] },
    });
    await page.locator('[data-step="inject"]').click();
    // Nothing built yet, and no plan saved: the step asks for one.
    await page.getByTestId('inject-needs').waitFor();

    await page.getByTestId('run-stages-inject').click();
    await page.getByTestId('train-by-pipeline').waitFor({ timeout: 170_000 });

    const applied = JSON.parse(await readFile(join(project.dir, 'stages', 'apply-s.json'), 'utf8')) as StageRecord<ApplyResult>;
    const trained = JSON.parse(await readFile(join(project.dir, 'stages', 'train-s.json'), 'utf8')) as StageRecord<TrainResult>;
    expect(await page.getByTestId('build-stage').getAttribute('data-state')).toBe('built');
    expect(await page.getByTestId('build-by-pipeline').textContent()).toContain('Built by the pipeline');
    expect(await page.getByTestId('trainable-layers').textContent()).toBe(applied.output.trainableLayers.join(', '));
    expect(await page.getByTestId('built-place').textContent()).toContain(applied.output.out);
    expect(await page.getByTestId('function-check').textContent()).toMatch(/computes exactly what the plan says|gives the same outputs/);
    // The S plan deletes and merges layers: what that cost before training, as evaluate-base and evaluate-built-s measured it.
    const base = JSON.parse(await readFile(join(project.dir, 'stages', 'evaluate-base.json'), 'utf8')) as StageRecord<Measurement>;
    const built = JSON.parse(await readFile(join(project.dir, 'stages', 'evaluate-built-s.json'), 'utf8')) as StageRecord<Measurement>;
    const domainRow = page.getByTestId('surgery-cost-table').locator('[data-side="domain"] td');
    expect((await domainRow.allTextContents()).slice(0, 2)).toEqual([base.output.domain.perplexity, built.output.domain.perplexity].map(perplexityText));

    expect(await page.getByTestId('train-stage').getAttribute('data-status')).toBe('done');
    expect(trained.output.steps).toBe(6);
    expect(await page.getByTestId('train-summary').textContent()).toContain('Trained 6 steps.');
    expect(await page.getByTestId('final-loss').textContent()).toBe(trained.output.losses.at(-1)!.toFixed(4));
    expect(await page.getByTestId('trained-place').textContent()).toContain(trained.output.out);
    expect(Number(await page.getByTestId('training-curves').getAttribute('data-points'))).toBe(6);
    await stepScreenshot(page, '05-inject-from-pipeline');

    await page.getByTestId('go-evaluate').click();
    expect(await page.locator('[data-step="evaluate"]').getAttribute('aria-current')).toBe('step');
  });
});
