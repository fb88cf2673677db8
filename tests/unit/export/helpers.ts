/** Test material for export: generated base models and surgery outputs (folders with slayer.json). */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import type { Plan, PlanOptions } from '../../../src/shared/plan.js';

export const SMALL = { layers: 8, hiddenSize: 32, intermediateSize: 48, heads: 4, vocabSize: 400, seed: 9 } satisfies TestModelOptions;

/** A surgery output of `plan` applied to a generated base model; the base gets `extraConfig` and a README first. */
export async function surgeryOutput(
  root: string,
  name: string,
  planOptions: PlanOptions,
  model: Partial<TestModelOptions> = {},
  base: { extraConfig?: Record<string, unknown>; readme?: string } = {},
): Promise<{ dir: string; baseDir: string; plan: Plan }> {
  const baseDir = join(root, `${name}-base`);
  const generated = await generateTestModel(baseDir, { ...SMALL, ...model });
  if (base.extraConfig) {
    const configFile = join(baseDir, 'config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8'));
    await writeFile(configFile, JSON.stringify({ ...config, ...base.extraConfig }, null, 2));
  }
  if (base.readme) await writeFile(join(baseDir, 'README.md'), base.readme);
  const plan = makePlan(generated.description, planOptions);
  const dir = join(root, name);
  await applyPlan(baseDir, plan, dir);
  return { dir, baseDir, plan };
}
