/**
 * `slayer run` end to end on a tiny generated model: every stage's output lands in the project
 * folder, a rerun reuses every stage, and changing one input reruns exactly the stages after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { runPipeline, type RunOptions } from '../../../src/main/pipeline/run.js';
import { evaluateModel } from '../../../src/main/evaluate/index.js';
import { tempDir } from '../../helpers/tmp.js';

describe('the resumable pipeline', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let options: RunOptions;

  beforeAll(async () => {
    t = await tempDir();
    const model = join(t.dir, 'model');
    // 8 layers: the S plan deletes round(8/16) = 1, so the surgery changes the function and the built model is measured.
    await generateTestModel(model, {
      layers: 8,
      hiddenSize: 32,
      intermediateSize: 64,
      heads: 4,
      kvHeads: 2,
      vocabSize: 320,
      seed: 11,
      tokenizer: 'byte-level',
    });
    const docs = join(t.dir, 'docs');
    const general = join(t.dir, 'general');
    await mkdir(docs);
    await mkdir(general);
    for (let i = 0; i < 12; i++) {
      await writeFile(join(docs, `f${i}.ts`), `export function add${i}(a: number, b: number): number {\n  return a + b + ${i};\n}\n`.repeat(6));
      await writeFile(
        join(general, `g${i}.txt`),
        `Chapter ${i}. The sea was calm and the ship sailed on through the night, ${'and the crew slept '.repeat(8 + i)}`,
      );
    }
    const qa = join(t.dir, 'qa.jsonl');
    await writeFile(
      qa,
      [0, 1, 2]
        .map((i) => JSON.stringify({ question: `export function add${i}(a: number, b: number): number { return a + b`, choices: [' + 1', ' * 2'], answer: 0 }))
        .join('\n'),
    );
    options = {
      model,
      data: docs,
      domain: 'code',
      general,
      out: join(t.dir, 'project'),
      domainQa: qa,
      generalQa: null,
      seqLen: 32,
      seed: 0,
      steps: 2,
      batch: 2,
      lr: 1e-3,
      baselines: ['last-k'],
      scoreSamples: 4,
      evalSamples: 4,
    };
  });
  afterAll(() => t.cleanup());

  it('writes the report, the models and the exports, and its numbers are the evaluations of those models', async () => {
    const result = await runPipeline(options);
    const report = JSON.parse(await readFile(result.report, 'utf8'));
    expect(report.runs.map((r: { strategy: string }) => r.strategy)).toEqual(['s', 'last-k']);
    expect(existsSync(result.reportHtml)).toBe(true);
    expect(await readFile(result.reportHtml, 'utf8')).toContain('<svg');
    // The report's "after" numbers are what evaluating the trained model gives, independently.
    const s = report.runs[0];
    const direct = await evaluateModel(s.modelDir, { data: join(options.out, 'corpus'), split: 'validation', seqLen: 32, samples: 4, seed: 0 });
    expect(s.after.domain.perplexity).toBeCloseTo(direct.perplexity, 6);
    expect(s.training.losses).toHaveLength(2);
    expect(report.exports.map((e: { format: string }) => e.format)).toEqual(['gguf', 'hf', 'llamafactory', 'axolotl']);
    expect(report.before.domainQa.items).toBe(3);

    // The paper's rule by default: the deepest layer goes, and the refreshed layer 6 starts as the mean of 6 and 7.
    expect(s).toMatchObject({ pruneBy: 'deepest', removedLayers: [7], builtIsBase: false });
    expect(s.planNotes).toContain('Refreshed layer 6 starts as the element-wise mean of layers 6-7.');
    // The built model was evaluated before training: its numbers are those of models/s-expanded.
    const built = await evaluateModel(join(options.out, 'models', 's-expanded'), {
      data: join(options.out, 'corpus'),
      split: 'validation',
      seqLen: 32,
      samples: 4,
      seed: 0,
    });
    expect(s.built.domain.perplexity).toBeCloseTo(built.perplexity, 6);
    expect(s.built.domain.perplexity).not.toBeCloseTo(report.before.domain.perplexity, 3);
    expect(report.findings.join('\n')).toMatch(/S \(SLayer\) before training: the surgery moved domain perplexity/);
    // last-k changes no layer: its built model is the base model, measured once.
    expect(report.runs[1]).toMatchObject({ builtIsBase: true, built: report.before });
  });

  it('reuses every stage on a rerun, and reruns only what follows a changed input', async () => {
    const again = await runPipeline(options);
    expect(again.reusedStages).toContain('corpus');
    expect(again.reusedStages).toContain('train-s');
    expect(again.reusedStages).toContain('export');
    const changed = await runPipeline({ ...options, steps: 3 });
    expect(changed.reusedStages).toEqual(expect.arrayContaining(['corpus', 'score-domain', 'evaluate-base', 'apply-s']));
    expect(changed.reusedStages).not.toContain('train-s');
    expect(changed.reusedStages).not.toContain('export');
    expect(changed.reportJson.runs[0].training.losses).toHaveLength(3);
  });

  it('another prune rule remakes the S plan and everything after it', async () => {
    const scored = await runPipeline({ ...options, steps: 3, pruneRule: 'scores' });
    expect(scored.reusedStages).toEqual(expect.arrayContaining(['corpus', 'score-domain', 'evaluate-base', 'plan-last-k']));
    expect(scored.reusedStages).not.toContain('plan-s');
    const s = scored.reportJson.runs[0];
    expect(s.pruneBy).toBe('scores');
    expect(s.removedLayers).toHaveLength(1);
  });

  it('redoes a stage whose output was changed on disk', async () => {
    await writeFile(join(options.out, 'plans', 's.json'), '{}');
    const repaired = await runPipeline({ ...options, steps: 3 });
    expect(repaired.reusedStages).not.toContain('plan-s');
    expect(JSON.parse(await readFile(join(options.out, 'plans', 's.json'), 'utf8')).version).toBe(1);
  });
});
