/**
 * Surgery never leaves a half-written folder and never loses one already there: cancel, a failed
 * function check, an existing output, overlapping folders and a full disk all end with the
 * previous state of the disk and one plain line.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_PREFIX } from '../../../src/main/fs/atomic.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import type { Plan } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { generate, indexOf } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let base: string;
let plan: Plan;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-surgery-safety-'));
  base = join(root, 'base');
  const folder = await generate(base, { layers: 6, shardBytes: 30_000 });
  await folder.close();
  plan = makePlan(folder.description, { strategy: 's' });
});
afterAll(async () => cleanup());

/** Everything under `dir` whose name marks an unfinished write. */
async function leftovers(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.name.startsWith(TEMP_PREFIX)) found.push(e.name);
  return found;
}

/** An output folder from an earlier run, with a file that must survive. */
async function existingOutput(name: string): Promise<string> {
  const out = join(root, name);
  await mkdir(out);
  await writeFile(join(out, 'earlier.txt'), 'earlier result');
  return out;
}

describe('cancel', () => {
  it('midway leaves neither the output folder nor a temporary folder', async () => {
    const controller = new AbortController();
    const messages: string[] = [];
    const out = join(root, 'cancelled');
    const run = applyPlan(base, plan, out, {
      signal: controller.signal,
      onProgress: (p) => {
        messages.push(p.message);
        if (p.message.includes('model.layers.3.')) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ isCancelled: true });
    expect(messages.some((m) => m.includes('model.layers.2.'))).toBe(true);
    expect(messages.some((m) => m.includes('model.norm.weight'))).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(root)).toEqual([]);
  });

  it('of a replacing run keeps the existing output as it was', async () => {
    const out = await existingOutput('kept-on-cancel');
    const controller = new AbortController();
    const run = applyPlan(base, plan, out, {
      overwrite: true,
      signal: controller.signal,
      onProgress: (p) => p.message.includes('model.layers.1.') && controller.abort(),
    });
    await expect(run).rejects.toMatchObject({ isCancelled: true });
    expect(await readdir(out)).toEqual(['earlier.txt']);
    expect(await leftovers(root)).toEqual([]);
  });
});

describe('existing output', () => {
  it('is refused without overwrite, untouched', async () => {
    const out = await existingOutput('refused');
    await expect(applyPlan(base, plan, out)).rejects.toThrow(`${out} already exists. Choose a new folder, or replace it with --force`);
    expect(await readdir(out)).toEqual(['earlier.txt']);
  });

  it('is replaced with overwrite, once the new model is complete', async () => {
    const out = await existingOutput('replaced');
    const result = await applyPlan(base, plan, out, { overwrite: true });
    expect(existsSync(join(out, 'earlier.txt'))).toBe(false);
    expect((await indexOf(out)).description.layers).toBe(result.layers);
    expect(await leftovers(root)).toEqual([]);
  });

  it('survives a failed function check, which removes the new output', async () => {
    // A NaN in the final norm makes every logit NaN, so "same logits" cannot be confirmed.
    const broken = join(root, 'broken');
    const folder = await generate(broken, { layers: 3 });
    await folder.close();
    const norm = folder.tensors.get('model.norm.weight')!;
    const file = await open(norm.file, 'r+');
    await file.write(new Uint8Array(Float32Array.of(NaN).buffer), 0, 4, norm.byteRange[0]);
    await file.close();
    const expansion = makePlan(folder.description, { strategy: 'llama-pro', expand: 1 });

    const out = await existingOutput('kept-on-failed-check');
    await expect(applyPlan(broken, expansion, out, { overwrite: true })).rejects.toThrow(
      /^Function check failed: the new model's logits are not all finite numbers \(NaN or infinity\)/,
    );
    expect(await readdir(out)).toEqual(['earlier.txt']);
    expect(await leftovers(root)).toEqual([]);
  });
});

describe('output place', () => {
  it('may not be the model folder, inside it, or around it', async () => {
    await expect(applyPlan(base, plan, base, { overwrite: true })).rejects.toThrow('is the model folder or inside it');
    await expect(applyPlan(base, plan, join(base, 'out'))).rejects.toThrow('is the model folder or inside it');
    await expect(applyPlan(base, plan, root, { overwrite: true })).rejects.toThrow('contains the model folder');
    expect(existsSync(join(base, 'config.json'))).toBe(true);
    expect(existsSync(join(base, 'out'))).toBe(false);
  });
});

describe('disk space', () => {
  it('is checked first, with the size needed and the space free on the disk in one plain line', async () => {
    const written = await applyPlan(base, plan, join(root, 'measured'));
    const out = join(root, 'not', 'yet', 'there');
    // 40 blocks of 4 KiB free; folders that do not exist yet are not there to ask.
    const statfs = async (path: string) => {
      if (!existsSync(path)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return { bavail: 40n, bsize: 4096n };
    };
    const failure = applyPlan(base, plan, out, { statfs });
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^Not enough disk space for ${out}: the new model needs \\d+\\.\\d MB, 0\\.2 MB free on ${root}\\. Free some space or choose a folder on another disk\\.$`,
      ),
    );
    const needed = Number(/needs (\S+) MB/.exec(((await failure.catch((e) => e)) as Error).message)![1]) * 1e6;
    // At least the new model, at most that plus 1 MiB for headers and metadata.
    expect(needed).toBeGreaterThanOrEqual(written.bytesWritten - 0.05e6);
    expect(needed).toBeLessThanOrEqual(written.bytesWritten + 2 ** 20 + 0.05e6);
    expect(existsSync(join(root, 'not'))).toBe(false);
  });
});

it('refuses a plan made for another model before writing anything', async () => {
  const other = await generate(join(root, 'other'), { layers: 5 });
  await other.close();
  const otherPlan = makePlan(other.description, { strategy: 's' });
  const out = join(root, 'wrong-plan');
  await expect(applyPlan(base, otherPlan, out, { planName: 'other.json' })).rejects.toThrow(
    /^other\.json: it was made for a different model \(base\.layers is 5, this model has 6\)/,
  );
  expect(existsSync(out)).toBe(false);
  expect(JSON.parse(await readFile(join(base, 'config.json'), 'utf8')).num_hidden_layers).toBe(6);
});
