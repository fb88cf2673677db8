/**
 * The function check runs on every surgery, pruning and refreshing plans included: the new model
 * against the base model run through the plan's composition (kept layers, deleted ones skipped,
 * the refreshed layer as its mean) and against itself without its new blocks. Deliberately broken
 * outputs (a non-zero o_proj in a new block, an o_proj bias copied into one, a refreshed layer
 * written as a copy) must fail it; the comparisons are recomputed here through the engine.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockTensorName } from '../../../src/main/model/tensors.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import { checkFunction, referenceComposition } from '../../../src/main/surgery/function-check.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import type { TestModelOptions } from '../../../src/tooling/test-model.js';
import type { Plan } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { generate, indexOf, rawBytes } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir('slayer-function-check-')));
afterAll(async () => cleanup());

/** An 8-layer model with the default S plan: new blocks after 1 and 3, layer 7 deleted, layer 6 refreshed as the mean of 6 and 7. */
async function built(name: string, options: Partial<TestModelOptions>): Promise<{ base: string; out: string; plan: Plan }> {
  const base = join(root, name, 'base');
  const folder = await generate(base, { layers: 8, ...options });
  await folder.close();
  const plan = makePlan(folder.description, { strategy: 's' });
  const out = join(root, name, 'out');
  const result = await applyPlan(base, plan, out);
  expect(result.functionCheck).toMatchObject({ checked: true, passed: true });
  return { base, out, plan };
}

/** Overwrites a stored tensor of a model folder in place with `bytes` (same length). */
async function overwrite(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const tensor = (await indexOf(dir)).tensors.get(name)!;
  expect(tensor.byteRange[1] - tensor.byteRange[0]).toBe(bytes.length);
  const file = await open(tensor.file, 'r+');
  await file.write(bytes, 0, bytes.length, tensor.byteRange[0]);
  await file.close();
}

async function check(base: string, out: string, plan: Plan) {
  const folder = await ModelFolder.open(base);
  try {
    return await checkFunction(folder, out, plan);
  } finally {
    await folder.close();
  }
}

describe('every surgery is checked', () => {
  it('the default S plan (prune and refresh) on an f32 model: composition and new blocks agree to float rounding', async () => {
    const { plan, out, base } = await built('f32', {});
    expect(plan.removed).toEqual([7]);
    expect(referenceComposition(plan)).toEqual([0, 1, 2, 3, 4, 5, { mean: [6, 7] }]);
    const result = await check(base, out, plan);
    expect(result).toMatchObject({ checked: true, passed: true, reference: 'the base model without layer 7, with layer 6 as the mean of layers 6-7' });
    // The mean is computed in fp32 in the same order by surgery and engine, and stored in f32: exact.
    expect(result.maxAbsDiff).toBeLessThanOrEqual(result.tolerance);
    expect(result.tolerance).toBeLessThan(1e-4);
    expect(result.newBlocks!.maxAbsDiff).toBeLessThanOrEqual(result.newBlocks!.tolerance);
  });

  it('bf16: the stored mean is rounded, so the composition allows bf16 rounding; the new blocks stay exact', async () => {
    const { plan, out, base } = await built('bf16', { dtype: 'bf16' });
    const result = await check(base, out, plan);
    expect(result.passed).toBe(true);
    const scale = result.tolerance / (4 * 2 ** -8);
    console.log(`bf16 refreshed mean: composition differs by ${((100 * result.maxAbsDiff) / scale).toFixed(3)} % of the largest logit (allowed 1.56 %)`);
    expect(result.maxAbsDiff).toBeGreaterThan(0);
    expect(result.newBlocks!.tolerance).toBeLessThan(result.tolerance / 100);
  });

  it('catches a deliberately non-zero o_proj in a new block, and says it is the new blocks', async () => {
    const { plan, out, base } = await built('nonzero-o-proj', {});
    const newBlock = plan.layers.find((l) => l.kind === 'new')!;
    // The block's o_proj as its source layer has it, as a copy init without zeroing would leave it.
    const source = await rawBytes(base, blockTensorName(newBlock.init.from[0], 'self_attn.o_proj.weight'));
    await overwrite(out, blockTensorName(newBlock.index, 'self_attn.o_proj.weight'), source);
    const result = await check(base, out, plan);
    expect(result.passed).toBe(false);
    expect(result.newBlocks!.passed).toBe(false);
    expect(result.newBlocks!.maxAbsDiff).toBeGreaterThan(100 * result.newBlocks!.tolerance);
  });

  it('catches an o_proj bias copied into a new block (Llama attention_bias), which zeroing o_proj.weight alone misses', async () => {
    const { plan, out, base } = await built('o-proj-bias', { attentionBias: true });
    const newBlock = plan.layers.find((l) => l.kind === 'new')!;
    expect(newBlock.init.zeroed).toContain('self_attn.o_proj.bias');
    const bias = await rawBytes(base, blockTensorName(newBlock.init.from[0], 'self_attn.o_proj.bias'));
    await overwrite(out, blockTensorName(newBlock.index, 'self_attn.o_proj.bias'), bias);
    const result = await check(base, out, plan);
    expect(result.passed).toBe(false);
    expect(result.newBlocks!.passed).toBe(false);
  });

  it('catches a refreshed layer written as a copy instead of the mean the plan says, with the new blocks still exact', async () => {
    const { plan, out, base } = await built('copied-refresh', {});
    const refreshed = plan.layers.find((l) => l.kind === 'refreshed')!;
    const folder = await indexOf(out);
    for (const name of folder.tensors.keys()) {
      const prefix = blockTensorName(refreshed.index, '');
      if (name.startsWith(prefix)) await overwrite(out, name, await rawBytes(base, blockTensorName(6, name.slice(prefix.length))));
    }
    const result = await check(base, out, plan);
    expect(result.passed).toBe(false);
    expect(result.newBlocks!.passed).toBe(true);
    expect(result.maxAbsDiff).toBeGreaterThan(100 * result.tolerance);
  });

  it('baselines without new blocks (last-k) are compared with the unchanged base', async () => {
    const base = join(root, 'last-k', 'base');
    const folder = await generate(base, { layers: 4 });
    await folder.close();
    const plan = makePlan(folder.description, { strategy: 'last-k' });
    const result = await applyPlan(base, plan, join(root, 'last-k', 'out'));
    expect(result.functionCheck).toMatchObject({ checked: true, passed: true, newBlocks: null, reference: 'the base model', maxAbsDiff: 0 });
  });
});
