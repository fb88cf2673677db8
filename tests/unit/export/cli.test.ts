/** `slayer export` spawned as a user runs it: one JSON document with --json, one line on stderr for bad input. */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { tempDir } from '../../helpers/tmp.js';
import { SMALL } from './helpers.js';

const run = promisify(execFile);

async function slayer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', 'export', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('slayer export', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let model: string;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('slayer-export-cli-'));
    model = join(root, 'model');
    await generateTestModel(model, { ...SMALL, layers: 2, kvHeads: 2 });
  });
  afterAll(async () => cleanup());

  it('gguf --json prints exactly one JSON document with the verification', async () => {
    const out = join(root, 'model.gguf');
    const r = await slayer(model, '--format', 'gguf', '--out', out, '--dtype', 'f16', '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      format: 'gguf',
      out,
      files: [out],
      dtype: 'f16',
      trainableLayers: null,
      gguf: { architecture: 'llama', tokenizer: 'llama' },
    });
    expect(result.gguf.verification.tensors).toBe(result.gguf.tensors);
    expect(r.stderr).toContain(`Wrote ${out}`);
  });

  it.each([
    ['a folder without a model', (root: string) => [join(root, 'empty'), '--format', 'hf', '--out', join(root, 'x')], /No config\.json in .*empty/],
    [
      'an unknown format',
      (root: string) => [join(root, 'model'), '--format', 'onnx', '--out', join(root, 'x')],
      /--format must be one of hf, gguf, llamafactory, axolotl, peft; got "onnx"/,
    ],
    [
      'an existing output',
      (root: string) => [join(root, 'model'), '--format', 'gguf', '--out', join(root, 'taken.gguf')],
      /taken\.gguf already exists\. Choose a new name, or replace it with --force/,
    ],
    ['no --out', (root: string) => [join(root, 'model'), '--format', 'gguf'], /Missing --out\. Usage: slayer export MODEL/],
  ])('refuses %s with one line on stderr', async (_, args, message) => {
    await mkdir(join(root, 'empty'), { recursive: true });
    await writeFile(join(root, 'taken.gguf'), 'not mine');
    const r = await slayer(...args(root));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
