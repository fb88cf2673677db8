/**
 * Expansion-only surgery (identity blocks added, nothing pruned or refreshed) keeps the model's
 * function: the new folder's logits equal the base model's, for every storage and architecture
 * variant. Logits are computed here through the forward engine, independently of the check that
 * applyPlan runs itself.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestModelOptions } from '../../../src/tooling/test-model.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import type { PlanOptions } from '../../../src/shared/plan.js';
import { tempDir } from '../../helpers/tmp.js';
import { generate, logitsOf, maxAbsDiff, tokenSequences } from './helpers.js';

const TOLERANCE = 1e-5;

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir('slayer-surgery-expand-')));
afterAll(async () => cleanup());

const S_EXPAND_ONLY: PlanOptions = { strategy: 's', expand: 2, prune: 0, refresh: 'none' };

describe.each<[string, Partial<TestModelOptions>, PlanOptions]>([
  ['llama f32, S interpolation blocks', {}, S_EXPAND_ONLY],
  ['llama bf16 with tied embeddings, S interpolation blocks', { dtype: 'bf16', tied: true }, S_EXPAND_ONLY],
  ['f16 sharded, LLaMA Pro copies', { dtype: 'f16', shardBytes: 20_000 }, { strategy: 'llama-pro', expand: 2 }],
  ['Qwen2: q/k/v biases, GQA, tied', { family: 'qwen2', kvHeads: 2, tied: true }, S_EXPAND_ONLY],
  ['GQA 4:1 with MLP biases', { kvHeads: 1, mlpBias: true }, S_EXPAND_ONLY],
  ['Llama attention_bias: q/k/v and o_proj biases (o_proj.bias zeroed in new blocks)', { attentionBias: true }, S_EXPAND_ONLY],
])('%s', (name, modelOptions, planOptions) => {
  it('keeps the logits, and applyPlan reports a passed function check', async () => {
    const dir = join(root, name.replace(/\W+/g, '-'));
    const folder = await generate(join(dir, 'base'), modelOptions);
    const m = folder.description;
    await folder.close();
    const plan = makePlan(m, planOptions);
    expect(plan.layers.filter((l) => l.kind === 'new')).toHaveLength(2);

    const result = await applyPlan(join(dir, 'base'), plan, join(dir, 'out'));
    expect(result.layers).toBe(m.layers + 2);
    expect(result.functionCheck).toMatchObject({ checked: true, passed: true });
    if (result.functionCheck.checked) expect(result.functionCheck.maxAbsDiff).toBeLessThanOrEqual(TOLERANCE);

    const sequences = tokenSequences([11, 5, 1], m.vocabSize);
    const base = await logitsOf(join(dir, 'base'), sequences);
    const expanded = await logitsOf(join(dir, 'out'), sequences);
    expect(maxAbsDiff(expanded, base)).toBeLessThanOrEqual(TOLERANCE);
    // The comparison can tell models apart: skipping one base layer moves the logits far more.
    const skipped = await logitsOf(join(dir, 'base'), sequences, [0, 2, 3]);
    expect(maxAbsDiff(skipped, base)).toBeGreaterThan(100 * TOLERANCE);
  });
});
