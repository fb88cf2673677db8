/**
 * Model and Plan steps end to end in browser mode: a generated 8-layer model is inspected, the
 * recommended S plan appears on the layer map, a click adds a block, and the saved plan comes
 * back after a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { makePlan } from '../../src/main/plan/index.js';
import type { ModelDescription } from '../../src/shared/model.js';
import type { LayerScores } from '../../src/shared/plan.js';
import { startApp, screenshot, type App, createProject, TINY_MODEL } from './harness.js';

describe('model inspect and plan editing in browser mode', () => {
  let app: App;
  let modelDir: string;
  let model: ModelDescription;

  beforeAll(async () => {
    app = await startApp();
    modelDir = join(app.work, 'tiny-llama-8');
    ({ description: model } = await generateTestModel(modelDir, TINY_MODEL));
  });
  afterAll(async () => app?.close());

  it('inspects the model, edits the recommended plan on the layer map and saves it', async () => {
    const { page } = app;
    await page.goto(app.url);
    await createProject(page, 'Contract law', 'legal');

    await page.getByLabel('Model folder path').fill(modelDir);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByText('looks like a model folder').waitFor();
    await page.getByTestId('choose-folder').click();
    const summary = page.getByTestId('model-summary');
    await summary.waitFor();
    expect(await summary.locator('h2').textContent()).toBe('LlamaForCausalLM');
    expect(await page.getByTestId('model-layers').textContent()).toBe('8');
    expect(await summary.textContent()).toContain('✓ included');
    expect(await summary.locator('.fit-bar').count()).toBe(2);
    await page.getByRole('button', { name: /tiny-llama-8/ }).waitFor();
    await screenshot(page, '03-model-inspect');

    await page.locator('[data-step="plan"]').click();
    const map = page.locator('.layer-map');
    await map.waitFor();
    // The recommended S plan for 8 layers: 2 new blocks after layers 1 and 3, the deepest layer (7) removed, 6 refreshed.
    await expect.poll(() => map.locator('[data-kind="new"]').count()).toBe(2);
    expect(await map.locator('[data-kind="removed"]').getAttribute('data-original')).toBe('7');
    expect(await map.locator('[data-kind="refreshed"]').getAttribute('data-original')).toBe('6');
    expect(await page.locator('input[name="plan-strategy"][value="s"]').isChecked()).toBe(true);
    expect(await page.getByTestId('save-state').textContent()).toContain('Not saved yet');

    // A new block after layer 0: the plan becomes a manual layout with three new blocks.
    await map.locator('[data-testid="gap"][data-after="0"]').click();
    await expect.poll(() => map.locator('[data-kind="new"]').count()).toBe(3);
    expect(await map.locator('[data-kind="new"]').first().getAttribute('data-index')).toBe('1');
    expect(await page.locator('input[name="plan-strategy"][value="manual"]').isChecked()).toBe(true);
    expect(await page.getByTestId('plan-summary').textContent()).toContain('8 → 10 layers');

    await page.getByRole('button', { name: 'Show command' }).click();
    expect(await page.getByTestId('plan-command').textContent()).toContain("--strategy manual --layers 'expand=0,1,3;prune=7;refresh=mean'");
    await page.getByRole('button', { name: 'Show command' }).click();

    await page.getByTestId('save-plan').click();
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Saved');
    await screenshot(page, '05-plan');

    // The saved plan is what the step shows after a reload.
    await page.reload();
    await page.locator('[data-step="plan"]').click();
    await expect.poll(() => page.locator('.layer-map [data-kind="new"]').count()).toBe(3);
    expect(await page.getByTestId('save-state').textContent()).toContain('Saved in the project');
  });

  it('imports a plan with layer scores, refuses a file that is not a plan and explains a refused edit', async () => {
    const { page } = app;
    // Layer 5 matters least in the deep half (4-7), so an S plan by the scores rule removes it instead of the deepest.
    const angular = [0.4, 0.3, 0.25, 0.2, 0.15, 0.05, 0.1, 0.35];
    const scores: LayerScores = {
      layers: angular.map((a, index) => ({ index, angularLast: a, angularMean: a, blockInfluence: a })),
      samples: 8,
      seqLen: 32,
      dataHash: 'e2e',
    };
    const scored = join(app.work, 'scored-plan.json');
    await writeFile(scored, JSON.stringify(makePlan(model, { strategy: 's', pruneRule: 'scores', scores })));
    await page.getByTestId('import-plan').setInputFiles(scored);
    const map = page.locator('.layer-map');
    await expect.poll(() => map.locator('[data-kind="removed"]').getAttribute('data-original')).toBe('5');
    expect(await map.locator('.bar').count()).toBe(8);
    expect(await page.locator('input[name="plan-strategy"][value="s"]').isChecked()).toBe(true);
    // The rule the plan was made with is the one offered as chosen, and its notes say why layer 5 went.
    expect(await page.locator('input[name="prune-rule"][value="scores"]').isChecked()).toBe(true);
    expect(await page.getByTestId('plan-notes').textContent()).toContain('Deleted by the scores rule');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toContain('Saved');
    await screenshot(page, '05-plan-scored');

    const broken = join(app.work, 'not-a-plan.json');
    await writeFile(broken, JSON.stringify({ hello: 'world' }));
    await page.getByTestId('import-plan').setInputFiles(broken);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('not-a-plan.json was not imported');
    expect(await page.getByRole('alert').first().textContent()).toContain('no "version" field');
    // The imported plan is still the one shown.
    expect(await map.locator('[data-kind="removed"]').getAttribute('data-original')).toBe('5');

    // An edit main refuses is explained and changes nothing: pruning a layer a new block is made from.
    await map.locator('[data-testid="gap"][data-after="6"]').click();
    await expect.poll(() => map.locator('[data-kind="new"]').count()).toBe(3);
    await map.locator('[data-original="6"]').first().click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('That change was not applied');
    expect(await page.getByRole('alert').first().textContent()).toContain('layer 6');
    expect(await map.locator('[data-kind="removed"]').count()).toBe(1);
    expect(await page.getByTestId('save-state').textContent()).toContain('Unsaved changes');
  });
});
