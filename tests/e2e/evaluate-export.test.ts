/**
 * Evaluate and Export steps end to end in browser mode: a generated 8-layer model, its S-plan
 * expansion written by the real surgery into the project's models/s-trained (the Inject step's
 * place), and a corpus built by a real 'corpus' job. The before/after table must show what the
 * eval jobs measured, the forgetting verdict must follow the limit, both models generate side by
 * side, the report is written, and the GGUF and Axolotl exports land with their checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel } from '../../src/tooling/test-model.js';
import { makePlan, writePlanFile } from '../../src/main/plan/index.js';
import { applyPlan } from '../../src/main/surgery/index.js';
import type { Project } from '../../src/shared/api.js';
import type { JobRecord, JobResults } from '../../src/shared/jobs.js';
import type { Plan } from '../../src/shared/plan.js';
import { startApp, type App, invoke, stepScreenshot, createProject, chooseModel, TINY_MODEL, DEMO_CODE, DEMO_GENERAL, perplexityText } from './harness.js';

const BUNDLED_QA = join(process.cwd(), 'resources/demo/qa');
/** Questions per set: the first ones of the bundled sets, enough for accuracies without a minute of scoring. */
const QUESTIONS = 12;

const pct = (before: number, after: number) => ((after - before) / before) * 100;
const signed = (x: number, unit: string) => `${Math.abs(x) < 0.05 ? '±' : x > 0 ? '+' : '−'}${Math.abs(x).toFixed(1)} ${unit}`;

describe('evaluate and export steps in browser mode', () => {
  let app: App;
  let modelDir: string;
  let project: Project;
  let plan: Plan;
  let trained: string;
  let qaDir: string;

  beforeAll(async () => {
    app = await startApp();
    modelDir = join(app.work, 'tiny-llama-8');
    const { description } = await generateTestModel(modelDir, TINY_MODEL);
    plan = makePlan(description, { strategy: 's' });
    qaDir = join(app.work, 'qa');
    await mkdir(qaDir);
    for (const file of ['code.jsonl', 'general.jsonl']) {
      const lines = (await readFile(join(BUNDLED_QA, file), 'utf8')).split('\n').slice(0, QUESTIONS);
      await writeFile(join(qaDir, file), `${lines.join('\n')}\n`);
    }
  });
  afterAll(async () => app?.close());

  it('compares base and injected model, generates side by side and exports GGUF and Axolotl', async () => {
    const { page } = app;
    await page.goto(app.url);
    await createProject(page, 'Python helpers', 'code');
    await chooseModel(page, modelDir);

    // The injected model where the Inject step puts it, the project's plan, and the corpus (a real job).
    [project] = await invoke(app, 'projects.list', {});
    trained = join(project.dir, 'models', 's-trained');
    await writePlanFile(join(project.dir, 'plan.json'), plan);
    await applyPlan(modelDir, plan, trained);
    const corpusDir = join(project.dir, 'corpus');
    const corpusJob = await invoke(app, 'jobs.start', {
      kind: 'corpus',
      params: { modelDir, data: DEMO_CODE, general: DEMO_GENERAL, domain: 'code', seqLen: 128, out: corpusDir },
      projectId: project.id,
    });
    await expect.poll(async () => (await invoke(app, 'jobs.get', { id: corpusJob.id })).state, { timeout: 60_000, interval: 250 }).toBe('succeeded');
    // Evaluate: the trained model is found and chosen; questions for both sides come from the bundled sets.
    await page.locator('[data-step="evaluate"]').click();
    await expect.poll(() => page.getByTestId('model-choice-injected').locator('input:checked').inputValue()).toBe(trained);
    expect(await page.getByTestId('model-choice-base').locator('input:checked').inputValue()).toBe(modelDir);
    for (const [side, label, file] of [
      ['domain', 'On your field', 'code.jsonl'],
      ['general', 'General knowledge', 'general.jsonl'],
    ] as const) {
      await page.getByTestId(`qa-${side}`).getByRole('button', { name: 'Choose file…' }).click();
      await page.getByLabel(`${label}: folder path`).fill(qaDir);
      await page.getByTestId(`qa-${side}`).getByRole('button', { name: 'Go', exact: true }).click();
      await page.getByTestId(`qa-${side}`).locator(`[data-file="${file}"]`).click();
      await expect.poll(() => page.getByTestId(`qa-${side}`).locator('.chosen').textContent()).toBe(join(qaDir, file));
    }
    await page.getByTestId('evaluate-settings').locator('summary').click();
    await page.getByLabel('Evaluation samples').fill('16');
    await page.getByLabel('Evaluation sequence length').fill('128');

    await page.getByRole('button', { name: 'Show command' }).first().click();
    const commands = (await page.getByTestId('eval-command').textContent())!.split('\n');
    expect(commands).toHaveLength(4);
    expect(commands[0]).toBe(
      `slayer eval ${modelDir} --data ${corpusDir} --split validation --qa ${join(qaDir, 'code.jsonl')} --seq-len 128 --samples 16 --seed 0`,
    );
    expect(commands[3]).toBe(
      `slayer eval ${trained} --data ${corpusDir} --split general-validation --qa ${join(qaDir, 'general.jsonl')} --seq-len 128 --samples 16 --seed 0`,
    );
    await page.getByRole('button', { name: 'Show command' }).first().click();
    await page.getByTestId('evaluate').click();
    await page.getByRole('progressbar').first().waitFor();
    const results = page.getByTestId('evaluation-results');
    await results.waitFor({ timeout: 90_000 });

    // The table shows what the four eval jobs measured, with the changes computed here.
    const evals = (await invoke(app, 'jobs.list', { projectId: project.id })).filter(
      (j): j is JobRecord<'eval'> => j.kind === 'eval' && j.state === 'succeeded',
    );
    const measured = (dir: string, split: string) => evals.find((j) => j.params.modelDir === dir && j.params.split === split)!.result as JobResults['eval'];
    const base = { domain: measured(modelDir, 'validation'), general: measured(modelDir, 'general-validation') };
    const after = { domain: measured(trained, 'validation'), general: measured(trained, 'general-validation') };
    const row = (key: string) => page.locator(`[data-row="${key}"] td`);
    expect(await row('domainPerplexity').nth(1).textContent()).toBe(perplexityText(base.domain.perplexity));
    expect(await row('domainPerplexity').nth(2).textContent()).toBe(perplexityText(after.domain.perplexity));
    const generalChange = pct(base.general.perplexity, after.general.perplexity);
    expect(await row('generalPerplexity').nth(3).textContent()).toBe(signed(generalChange, '%'));
    const accuracyChange = (after.general.qa!.accuracy - base.general.qa!.accuracy) * 100;
    expect(await row('generalAccuracy').nth(3).textContent()).toBe(signed(accuracyChange, 'points'));
    expect(await row('domainAccuracyNorm').nth(1).textContent()).toBe(`${(base.domain.qa!.accuracyNorm * 100).toFixed(1)} %`);
    expect(await page.locator('[data-row="generalPerplexity"]').getAttribute('data-verdict')).toBe(
      Math.abs(generalChange) < 0.05 ? 'same' : generalChange < 0 ? 'better' : 'worse',
    );

    // The forgetting verdict follows the limit: just below the larger of the two general losses warns, just above does not.
    const worst = Math.max(generalChange, -accuracyChange);
    const limit = page.getByTestId('forgetting-limit');
    if (worst > 0.2) {
      await limit.fill((worst - 0.1).toFixed(2));
      await page.getByTestId('forgetting-warning').waitFor();
    }
    await limit.fill((Math.max(worst, 0) + 0.1).toFixed(2));
    await page.getByTestId('forgetting-ok').waitFor();
    await limit.fill('5');

    expect(await page.getByTestId('recorded-settings').locator('tbody tr').count()).toBe(4);

    // Side by side: the same prompt and settings for both models; the page shows what each job wrote.
    await page.getByTestId('generate').click();
    await expect.poll(() => page.getByTestId('generations').locator('.text').count(), { timeout: 60_000 }).toBe(2);
    const generations = (await invoke(app, 'jobs.list', { projectId: project.id })).filter(
      (j): j is JobRecord<'generate'> => j.kind === 'generate' && j.state === 'succeeded',
    );
    for (const [role, dir] of [
      ['base', modelDir],
      ['injected', trained],
    ] as const) {
      const text = (generations.find((j) => j.params.modelDir === dir)!.result as JobResults['generate']).text;
      expect(await page.locator(`.output[data-role="${role}"] [data-testid="generated"]`).textContent()).toBe(text);
    }
    await stepScreenshot(page, '06-evaluate');

    // Export: the injected model by default; GGUF f16 is verified by reading it back.
    await page.locator('[data-step="export"]').click();
    await expect.poll(() => page.getByTestId('model-choice-export').locator('input:checked').inputValue()).toBe(trained);
    await page.locator('[data-format="gguf"]').click();
    expect(await page.getByTestId('dtype').inputValue()).toBe('f16');
    const gguf = join(project.dir, 'exports', 'gguf', 's-trained-f16.gguf');
    expect(await page.getByTestId('export-out').textContent()).toBe(gguf);
    await page.getByRole('button', { name: 'Show command' }).click();
    expect(await page.getByTestId('export-command').textContent()).toBe(`slayer export ${trained} --format gguf --out ${gguf} --dtype f16`);
    await page.getByTestId('export').click();
    await page.locator('[data-testid="export-result"][data-format="gguf"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('gguf-verified').textContent()).toContain('Verified');
    expect(existsSync(gguf)).toBe(true);
    // Exporting to the same place again needs the replace tick.
    await page.getByTestId('export-exists').waitFor();
    expect(await page.getByTestId('export').isDisabled()).toBe(true);
    await page.getByTestId('replace-existing').check();
    expect(await page.getByTestId('export-command').textContent()).toContain('--force');

    // The Axolotl hand-off lists exactly the plan's trainable layers.
    await page.locator('[data-format="axolotl"]').click();
    expect(await page.getByTestId('export-out').textContent()).toBe(join(project.dir, 'exports', 'axolotl'));
    await page.getByTestId('export').click();
    await page.locator('[data-testid="export-result"][data-format="axolotl"]').waitFor({ timeout: 60_000 });
    const chips = await page.getByTestId('trainable-layers').locator('.chip').allTextContents();
    expect(chips.map(Number)).toEqual(plan.layers.filter((l) => l.trainable).map((l) => l.index));
    expect(existsSync(join(project.dir, 'exports', 'axolotl'))).toBe(true);
    await stepScreenshot(page, '07-export');
  });
});
