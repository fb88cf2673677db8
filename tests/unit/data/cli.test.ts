/** `slayer corpus` end to end: spawned as a user runs it; the JSON it prints is the corpus.json it saves. */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.js';
import { prose, tinyModel } from './helpers.js';

const run = promisify(execFile);

async function slayer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', 'corpus', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let root: string;
let model: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-data-cli-'));
  model = (await tinyModel(root)).dir;
  await mkdir(join(root, 'docs'));
  for (let i = 0; i < 6; i++) await writeFile(join(root, 'docs', `doc${i}.md`), prose(120, i));
  await writeFile(join(root, 'docs', 'copy.md'), prose(120, 0));
  await mkdir(join(root, 'general'));
  for (let i = 0; i < 4; i++) await writeFile(join(root, 'general', `g${i}.txt`), prose(80, 50 + i));
});
afterAll(() => cleanup());

describe('slayer corpus', () => {
  it('--json prints exactly the report it saves, and a second run reuses the cache', async () => {
    const out = join(root, 'out');
    const args = [
      join(root, 'docs'),
      '--model',
      model,
      '--general',
      join(root, 'general'),
      '--domain',
      'legal',
      '--seq-len',
      '64',
      '--seed',
      '2',
      '--out',
      out,
      '--json',
    ];
    const first = await slayer(...args);
    expect(first.code).toBe(0);
    const printed = JSON.parse(first.stdout);
    const saved = JSON.parse(await readFile(join(out, 'corpus.json'), 'utf8'));
    const { out: paths, cacheDir, mixture, ...rest } = printed;
    expect(mixture).toBeNull();
    expect(saved).toEqual({ ...rest, cacheDir: `cache/${printed.cacheKey}` });
    expect(resolve(out, saved.cacheDir)).toBe(cacheDir);
    expect(paths).toEqual({ report: resolve(out, 'corpus.json'), cache: cacheDir });
    expect(printed).toMatchObject({ domain: 'legal', documents: 6, duplicatesRemoved: 1, seqLen: 64, fromCache: false, general: { documents: 4 } });
    expect(printed.split).toMatchObject({ seed: 2, validationFraction: 0.1 });
    expect(printed.split.train.documents + printed.split.validation.documents).toBe(6);
    expect(first.stderr).toMatch(/Tokenised 10 documents into/);

    const second = await slayer(...args);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ fromCache: true, tokenizedDocuments: 0, cacheKey: printed.cacheKey, tokens: printed.tokens });
    expect(second.stderr).toMatch(/Reused the token cache/);
  });

  it('fails in one line, writing nothing, when the data is missing or too small', async () => {
    const missing = await slayer(join(root, 'nope'), '--model', model, '--json');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toEqual([`${join(root, 'nope')} does not exist or cannot be read. Choose a file or folder with your documents.`]);

    const out = join(root, 'too-small');
    const small = await slayer(join(root, 'docs'), '--model', model, '--seq-len', '100000', '--out', out, '--json');
    expect(small.code).toBe(2);
    expect(small.stderr.trim().split('\n').pop()).toMatch(/training tokens, less than one sequence of 100000\. Add documents or choose a shorter --seq-len\.$/);
    expect((await readdir(out).catch(() => [] as string[])).includes('corpus.json')).toBe(false);

    const noModel = await slayer(join(root, 'docs'), '--json');
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/^Missing --model\. Usage: slayer corpus \[NAME=\]DATA\[:WEIGHT\]\.\.\. --model MODEL/);
  });

  it('reads web pages as the domain suggests unless --html says otherwise, and says which reading it used', async () => {
    const pages = join(root, 'pages');
    await mkdir(pages, { recursive: true });
    await writeFile(join(pages, 'judgment.html'), `<html><body><nav><a href="/">Home</a></nav><main><p>${prose(200, 9)}</p></main></body></html>`);
    for (let i = 0; i < 3; i++) await writeFile(join(pages, `n${i}.txt`), prose(150, 20 + i));
    const run = await slayer(pages, '--model', model, '--domain', 'legal', '--html', 'code', '--seq-len', '32', '--cache', join(root, 'cache-html'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Web pages    1 read as source code (markup kept) (--html to change)');
    const json = JSON.parse(
      (await slayer(pages, '--model', model, '--domain', 'legal', '--seq-len', '32', '--cache', join(root, 'cache-html'), '--json')).stdout,
    );
    expect(json.html).toEqual({ reading: 'document', files: 1 });
    expect(json.kinds).toEqual({ html: 1, text: 3 });
    const wrong = await slayer(pages, '--model', model, '--html', 'markup');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe('--html must be one of document, code; got "markup".');
  });
});
