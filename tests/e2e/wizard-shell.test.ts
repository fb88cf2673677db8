import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { startApp, screenshot, type App, createProject } from './harness.js';

describe('wizard shell in browser mode (real server, real compute process, Chromium)', () => {
  let app: App;
  let modelDir: string;

  beforeAll(async () => {
    app = await startApp();
    modelDir = join(app.work, 'my-model');
    await mkdir(modelDir, { recursive: true });
    await writeFile(join(modelDir, 'config.json'), '{"architectures":["LlamaForCausalLM"]}');
    await writeFile(join(modelDir, 'model.safetensors'), Buffer.alloc(4096, 1));
  });
  afterAll(async () => app?.close());

  it('refuses the page without the token', async () => {
    const res = await app.page.goto(app.url.replace(/\?token=.*/, ''));
    expect(res?.status()).toBe(403);
  });

  it('creates a project, walks the seven steps and fingerprints a model folder', async () => {
    const { page } = app;
    await page.goto(app.url);
    await createProject(page, 'Tax law', 'legal');

    await page.getByLabel('Model folder path').fill(modelDir);
    await page.getByRole('button', { name: 'Go', exact: true }).click();
    await page.getByText('looks like a model folder').waitFor();
    await page.getByTestId('choose-folder').click();
    await expect.poll(() => page.getByTestId('model-dir').textContent()).toBe(modelDir);
    await page.getByTestId('fingerprint').click();
    await page.getByTestId('hash-result').waitFor();
    expect(await page.getByTestId('hash-result').textContent()).toContain('2 files');
    await page.locator('[data-state="succeeded"]').first().waitFor();
    await screenshot(page, '01-model');

    const titles = ['Corpus', 'Analyze', 'Plan', 'Inject', 'Evaluate', 'Export'];
    for (const [i, title] of titles.entries()) {
      await page.getByRole('button', { name: `Next: ${title}` }).click();
      await expect.poll(() => page.locator('h1').textContent()).toBe(title);
      // Corpus and Analyze with no corpus yet, Inject, Evaluate and Export with no results: corpus-analyze.test.ts,
      // inject.test.ts and evaluate-export.test.ts take 02-corpus, 03-analyze, 05-inject, 06-evaluate and 07-export with real results.
      const empty = ['Corpus', 'Analyze', 'Inject', 'Evaluate', 'Export'].includes(title) ? '-empty' : '';
      await screenshot(page, `${String(i + 2).padStart(2, '0')}-${title.toLowerCase()}${empty}`);
    }
    // The project survives a reload (it lives on disk, not in the page).
    await page.reload();
    await expect.poll(() => page.locator('#project-select option:checked').textContent()).toContain('Tax law');
  });

  it('cancels a running job from the jobs panel', async () => {
    const { page } = app;
    await truncate(join(modelDir, 'model.safetensors'), 8 * 2 ** 30);
    await page.locator('[data-step="model"]').click();
    await page.getByTestId('fingerprint').click();
    const running = page.locator('[data-state="running"]');
    await running.waitFor();
    await running.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[data-state="cancelled"]').first().waitFor();
    await screenshot(page, '08-job-cancelled');
  });

  it('shows a crashed compute process as a failed job and the app stays up', async () => {
    const { page } = app;
    await page.getByTestId('fingerprint').click();
    await page.locator('[data-state="running"]').waitFor();
    // Kill the compute process (a child of the server) the way the out-of-memory killer would.
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(app.server.pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    for (const pid of children) process.kill(Number(pid), 'SIGKILL');
    const failed = page.locator('[data-state="failed"]').first();
    await failed.waitFor();
    expect(await failed.textContent()).toContain('ran out of memory or was stopped by the system');
    await screenshot(page, '09-job-crashed');
    // Still responsive: navigation and a fresh job work.
    await truncate(join(modelDir, 'model.safetensors'), 4096);
    await page.getByTestId('fingerprint').click();
    await page.locator('[data-state="succeeded"]').nth(1).waitFor();
  });
});
