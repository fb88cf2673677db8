/** `slayer plan` end to end: spawned as a user would run it, output compared with the saved file. */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBudget } from '../../../src/cli/commands/plan.js';

const run = promisify(execFile);
const LLAMA = 'tests/fixtures/reference-configs/llama-2-7b.json';

async function slayer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', 'plan', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('slayer plan', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slayer-plan-cli-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('--paper --json prints exactly the plan it saves', async () => {
    const out = join(dir, 'paper.json');
    const r = await slayer(LLAMA, '--strategy', 's', '--paper', '--out', out, '--json');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toEqual(JSON.parse(await readFile(out, 'utf8')));
    expect(printed.counts).toEqual({ layers: 38, parameters: 7_952_715_776, trainableParameters: 1_821_450_240 });
    expect(r.stderr).toMatch(/Training memory at batch 1 x 512 tokens/);
  });

  it('reads a model folder, scores and a manual SPEC; prints the layer map without --json', async () => {
    const model = join(dir, 'model');
    await mkdir(model);
    await copyFile(LLAMA, join(model, 'config.json'));
    const scores = {
      layers: Array.from({ length: 32 }, (_, index) => ({
        index,
        angularLast: index === 17 || index === 22 ? 0.01 : 0.3,
        angularMean: 0.3,
        blockInfluence: 0.3,
      })),
      samples: 8,
      seqLen: 64,
      dataHash: 'sha256:test',
    };
    await writeFile(join(dir, 'scores.json'), JSON.stringify(scores));
    const scored = await slayer(model, '--prune', 'scores', '--scores', join(dir, 'scores.json'), '--json');
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.stdout)).toMatchObject({
      strategy: 's',
      removed: [17, 22],
      scores: { dataHash: 'sha256:test' },
      settings: { pruneBy: 'scores', scoreMetric: 'angularLast' },
    });
    // The refreshed layer is a copy, and the plan says why in words.
    expect(JSON.parse(scored.stdout).notes).toContainEqual(
      expect.stringMatching(/^Refreshed layer 31 starts as a copy of itself: no deleted layer followed it/),
    );

    const paperRule = await slayer(model, '--prune-count', '3', '--json');
    expect(JSON.parse(paperRule.stdout)).toMatchObject({ removed: [29, 30, 31], settings: { pruneBy: 'deepest', scoreMetric: null } });
    expect(paperRule.stdout).toMatch(/mean of layers 28-30; the deleted layer 31 is not averaged in/);

    const manual = await slayer(model, '--strategy', 'manual', '--layers', 'expand=0-1:copy;prune=31;refresh=keep');
    expect(manual.code).toBe(0);
    expect(manual.stdout).toMatch(/^\s+1\s+new\s+0\s+yes\s+copy 0; zeroed o_proj\.weight, down_proj\.weight$/m);
    expect(manual.stdout).toMatch(/^\s+32\s+refreshed\s+30\s+yes\s+copy 30$/m);
    expect(manual.stdout).toMatch(/Result: 33 layers, 6,940,798,976 parameters; trainable 607,150,080/);
    expect(manual.stderr).toMatch(/Preview only/);
  });

  it('bad input: one line on stderr, exit 2, nothing written', async () => {
    const out = join(dir, 'never.json');
    const cases = [
      [LLAMA, '--strategy', 'manual', '--out', out],
      [LLAMA, '--strategy', 'llama-pro', '--prune', '2', '--out', out],
      ['tests/fixtures/reference-configs/qwen2-7b.json', '--paper', '--out', out],
      [LLAMA, '--prune', '2', '--out', out],
      [LLAMA, '--scores', join(dir, 'scores.json'), '--out', out],
      [LLAMA, '--prune', 'gromov', '--out', out],
    ];
    const results = await Promise.all(cases.map((args) => slayer(...args)));
    expect(results.map((r) => r.stderr.trim())).toEqual([
      expect.stringMatching(/^--strategy manual needs --layers SPEC/),
      '--prune does not apply to --strategy llama-pro (only to s).',
      expect.stringMatching(/^--paper reproduces the published layout of a 32-layer model, but this model has 28 layers/),
      '--prune names the rule (deepest, scores, gromov); give the number of layers to delete with --prune-count 2.',
      expect.stringMatching(/^--scores and --score-metric are read by --prune scores or --prune gromov; the default rule, deepest/),
      expect.stringMatching(/^The gromov rule chooses layers from measured scores, and none were given/),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await readdir(dir)).filter((f) => f.includes('never'))).toEqual([]);
  });
});

describe('--budget-params values', () => {
  it('takes a count, a multiple or a percentage of the base model', () => {
    expect(parseBudget('7.5e9', 6e9)).toBe(7_500_000_000);
    expect(parseBudget('1.05x', 6e9)).toBe(6_300_000_000);
    expect(parseBudget('110%', 6e9)).toBe(6_600_000_000);
    expect(() => parseBudget('lots', 6e9)).toThrow(/--budget-params must be a parameter count/);
    expect(() => parseBudget('0', 6e9)).toThrow(/--budget-params/);
  });
});
