/**
 * Starts the real app in browser mode (`node bin/serve.js`, real handlers, real compute
 * processes) with a throw-away home folder, and Debian's Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ApiMethod, ApiRequest, ApiResponses, Project } from '../../src/shared/api.js';
import type { ProjectSettingsPatch } from '../../src/shared/project-settings.js';
import { generateTestModel, type TestModelOptions } from '../../src/tooling/test-model.js';
import { tempDir } from '../helpers/tmp.js';
import { AxeBuilder } from '@axe-core/playwright';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export interface App {
  url: string;
  home: string;
  server: ChildProcess;
  context: BrowserContext;
  page: Page;
  work: string;
  close(): Promise<void>;
}

export async function startApp(): Promise<App> {
  if (!existsSync('out/renderer/index.html')) throw new Error('Build the app first (npm run build); npm test does this.');
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (the .ci/run script does this).`);
  const t = await tempDir('slayer-e2e-');
  const home = join(t.dir, 'home');
  const server = spawn(process.execPath, ['bin/serve.js', '--port', '0', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    server.stdout!.on('data', (c) => {
      out += c;
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\w+/.exec(out);
      if (m) resolve(m[0]);
    });
    server.stderr!.on('data', (c) => (err += c));
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
  const context = await chromium.launchPersistentContext(join(t.dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Generous: other work on a shared 2-core machine can starve the server for many seconds.
  page.setDefaultTimeout(60_000);
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    url,
    home,
    server,
    context,
    page,
    work: t.dir,
    async close() {
      await context.close();
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      await t.cleanup();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The server's typed API over HTTP, with the page's token: how a test reads what the app did. */
export async function invoke<M extends ApiMethod>(app: App, method: M, request: ApiRequest<M>): Promise<ApiResponses[M]> {
  const url = new URL(app.url);
  const res = await fetch(`${url.origin}/api/invoke/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slayer-token': url.searchParams.get('token')! },
    body: JSON.stringify(request),
  });
  const envelope = (await res.json()) as { ok: boolean; value: ApiResponses[M]; error?: string };
  if (!envelope.ok) throw new Error(envelope.error);
  return envelope.value;
}

/**
 * An automated accessibility scan of what the page shows now (axe-core, WCAG 2.1 A and AA
 * rules): no violation of serious or critical impact is allowed. Every step screenshot runs it,
 * so every step is scanned in the state the test left it in.
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const described = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(described, `accessibility of ${where}`).toEqual([]);
}

/** The whole step in one picture: the step scrolls inside its column, so the window grows to fit it for the shot. */
export async function stepScreenshot(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  const height = await page.evaluate(() => {
    const main = document.querySelector('main')!;
    main.scrollTop = 0;
    return main.getBoundingClientRect().top + main.scrollHeight;
  });
  const viewport = page.viewportSize()!;
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(height)) });
  await screenshot(page, name);
  await page.setViewportSize(viewport);
}

/** Creates a project through the top bar, as a person would, and waits until it is the open one. */
export async function createProject(page: Page, name: string, field: 'code' | 'math' | 'legal'): Promise<void> {
  // The app has read its projects (else its first read could replace the new project with none).
  await page.locator('.env').getByText('browser mode').waitFor();
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Field').selectOption(field);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect.poll(() => page.locator('#project-select option:checked').textContent(), { timeout: 30_000 }).toContain(name);
}

/** The tiny model the step tests share: 8 layers so pruning and expansion mean something, bf16 like real checkpoints. */
export const TINY_MODEL: TestModelOptions = { layers: 8, hiddenSize: 64, intermediateSize: 172, heads: 4, kvHeads: 2, vocabSize: 400, seed: 7, dtype: 'bf16' };

/** A started app and the step tests' tiny model, written under the app's work folder. */
export async function startAppWithTinyModel(): Promise<{ app: App; modelDir: string }> {
  const app = await startApp();
  const modelDir = join(app.work, 'tiny-llama-8');
  await generateTestModel(modelDir, TINY_MODEL);
  return { app, modelDir };
}

/** Chooses a model folder in the Model step and waits for its summary. */
export async function chooseModel(page: Page, dir: string): Promise<void> {
  await page.getByLabel('Model folder path').fill(dir);
  await page.getByRole('button', { name: 'Go', exact: true }).click();
  await page.getByText('looks like a model folder').waitFor();
  await page.getByTestId('choose-folder').click();
  await page.getByTestId('model-summary').waitFor();
}

/** The bundled demo's code documents and general text, the step tests' corpus. */
export const DEMO_CODE = join(process.cwd(), 'resources/demo/corpora/code');
export const DEMO_GENERAL = join(process.cwd(), 'resources/demo/corpora/general');

/** Perplexities as the app shows them: two decimals, one from 100 up (written here, not taken from the app). */
export const perplexityText = (x: number) => (x >= 100 ? x.toFixed(1) : x.toFixed(2));

/**
 * A code project on `modelDir` with its settings.json patched (the Corpus step's choices, tiny
 * pipeline settings), made as a person would up to the model, then the page reloaded to read them.
 */
export async function openProjectWithSettings(app: App, modelDir: string, name: string, patch: ProjectSettingsPatch): Promise<Project> {
  const { page } = app;
  await page.goto(app.url);
  await createProject(page, name, 'code');
  await chooseModel(page, modelDir);
  const [project] = await invoke(app, 'projects.list', {});
  await invoke(app, 'projects.updateSettings', { id: project.id, patch });
  await page.reload();
  return project;
}
