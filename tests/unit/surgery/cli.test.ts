/** `slayer apply` end to end, spawned as a user runs it: the JSON result, --force, and one-line errors. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlan, writePlanFile } from '../../../src/main/plan/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { generate } from './helpers.js';

const run = promisify(execFile);

async function slayer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('slayer apply', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let model: string;
  let planFile: string;
  let otherPlanFile: string;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir('slayer-apply-cli-'));
    model = join(root, 'model');
    const folder = await generate(model, { layers: 4, dtype: 'bf16' });
    await folder.close();
    planFile = join(root, 'plan.json');
    await writePlanFile(planFile, makePlan(folder.description, { strategy: 'llama-pro', expand: 2 }));
    const other = await generate(join(root, 'other'), { layers: 3 });
    await other.close();
    otherPlanFile = join(root, 'other-plan.json');
    await writePlanFile(otherPlanFile, makePlan(other.description, { strategy: 'llama-pro', expand: 1 }));
  });
  afterAll(async () => cleanup());

  it('writes the new model and prints one JSON document that matches slayer.json', async () => {
    const out = join(root, 'out');
    const r = await slayer('apply', planFile, '--model', model, '--out', out, '--json');
    expect(r.stderr).toMatch(/Writing model\.layers\.\d+\./);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    const record = JSON.parse(await readFile(join(out, 'slayer.json'), 'utf8'));
    const plan = JSON.parse(await readFile(planFile, 'utf8'));
    expect(Object.keys(result).sort()).toEqual(['bytesWritten', 'functionCheck', 'layers', 'out', 'parameters', 'seconds', 'sourceSha256', 'trainableLayers']);
    expect(result).toMatchObject({
      out,
      layers: 6,
      parameters: plan.counts.parameters,
      trainableLayers: [2, 5],
      functionCheck: { checked: true, passed: true, maxAbsDiff: 0 },
      sourceSha256: record.source.sha256,
    });
    expect(record.trainableLayers).toEqual(result.trainableLayers);
    expect(record.plan).toEqual(plan);
    expect(result.seconds).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).num_hidden_layers).toBe(6);
  });

  it('refuses an existing --out unless --force, then replaces it', async () => {
    const out = join(root, 'twice');
    await mkdir(out);
    await writeFile(join(out, 'marker'), 'x');
    const refused = await slayer('apply', planFile, '--model', model, '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      `${out} already exists. Choose a new folder, or replace it with --force (the old folder stays until the new model is complete).`,
    );
    expect(existsSync(join(out, 'marker'))).toBe(true);
    const forced = await slayer('apply', planFile, '--model', model, '--out', out, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^Function check {3}passed/m);
    expect(existsSync(join(out, 'marker'))).toBe(false);
  });

  it('bad input: one line on stderr, exit 2, nothing written', async () => {
    const malformed = join(root, 'malformed.json');
    await writeFile(malformed, '{"version": 1, "strategy": ');
    const out = join(root, 'never');
    const missing = join(root, 'missing-model');

    const cases = [
      ['apply', otherPlanFile, '--model', model, '--out', out],
      ['apply', malformed, '--model', model, '--out', out],
      ['apply', planFile, '--model', missing, '--out', out],
      ['apply', planFile, '--model', model],
    ];
    const results = await Promise.all(cases.map((args) => slayer(...args)));
    expect(results.map((r) => r.stderr.trim())).toEqual([
      expect.stringMatching(/^\S+other-plan\.json: it was made for a different model \(base\.layers is 3, this model has 4\)\. Make it again with slayer plan/),
      expect.stringMatching(/^\S+malformed\.json is not valid JSON \(.*\)\. Make the plan with slayer plan for this model\.$/),
      `The folder ${missing} does not exist. Choose the folder that holds the model.`,
      expect.stringMatching(/^Missing --out\. Usage: slayer apply PLAN\.json --model MODEL --out DIR/),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
    expect((await readdir(root)).filter((n) => n.startsWith('.slayer-tmp-'))).toEqual([]);
  });
});
