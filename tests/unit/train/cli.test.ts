/**
 * `slayer train` as a user runs it: killed with SIGKILL mid-run and resumed, it loses nothing
 * beyond the last checkpoint and ends with the losses of an uninterrupted run; bad input is one
 * line on stderr.
 */
import { execFile, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../../src/main/train/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyModelFolder, writeTokenData } from './helpers.js';

const run = promisify(execFile);

async function slayer(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', 'train', ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Complete checkpoints only: the folder appears under its final name when it is whole. */
async function checkpointSteps(out: string): Promise<number[]> {
  const names = await readdir(join(out, 'checkpoints')).catch(() => [] as string[]);
  return names.filter((n) => /^step-\d{8}$/.test(n)).map((n) => Number(n.slice(5)));
}

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-train-cli-'));
});
afterAll(async () => cleanup());

describe('slayer train', () => {
  it('kill -9 mid-run, then --resume: continues from the last checkpoint with the losses of an uninterrupted run', async () => {
    const model = await tinyModelFolder(join(dir, 'model'));
    const data = join(dir, 'data.jsonl');
    await writeTokenData(
      data,
      Array.from({ length: 30 }, () => 12),
      53,
      9,
    );
    const out = join(dir, 'killed');
    const args = [model.dir, '--data', data, '--out', out, '--steps', '60', '--batch', '2', '--seq-len', '12', '--lr', '3e-3'];
    const settings = ['--trainable', 'all', '--checkpoint-every', '3', '--threads', '1', '--json'];

    const child = spawn('node', ['bin/slayer.js', 'train', ...args, ...settings], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)));
    let seen: number[] = [];
    while (!seen.some((s) => s >= 6) && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 5));
      seen = await checkpointSteps(out);
    }
    child.kill('SIGKILL');
    expect(await exited, 'the run was still going when it was killed').toBe('SIGKILL');
    const lastSeen = Math.max(...seen);
    expect(lastSeen).toBeLessThan(60);

    const resumed = await slayer([...args, ...settings, '--resume']);
    expect(resumed.stderr).not.toMatch(/Ignoring/);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result.resumedFrom).toBeGreaterThanOrEqual(lastSeen);
    expect(result).toMatchObject({ steps: 60, trainableParameters: expect.any(Number), out, tokensPerSecond: expect.any(Number) });

    const whole = await train(model.dir, {
      data,
      out: join(dir, 'whole'),
      steps: 60,
      batch: 2,
      seqLen: 12,
      lr: 3e-3,
      trainable: 'all',
      checkpointEvery: 3,
      threads: 1,
    });
    expect(result.losses).toEqual(whole.losses);
  });

  it('bad input: one plain line on stderr and exit code 2', async () => {
    const bad = await slayer([join(dir, 'model'), '--data', 'x', '--out', join(dir, 'o'), '--trainable', '1,x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['--trainable must be auto, all, or 0-based block indices separated by commas (e.g. 2,5,9); got "1,x".']);
    const missing = await slayer([join(dir, 'model'), '--data', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^Missing --out\. Usage: slayer train MODEL/);
  });
});
