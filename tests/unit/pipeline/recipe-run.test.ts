/**
 * `slayer run` with the paper's whole recipe on a tiny generated model: two domain sources mixed
 * by weight with general replay (each domain evaluated on its own), and full fine-tuning and
 * LoRA as baselines, LoRA sized to the S run's trainable parameters; every run records how much
 * each layer changed.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '../../../src/main/evaluate/index.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { runPipeline, type RunOptions } from '../../../src/main/pipeline/run.js';
import type { RunReport } from '../../../src/shared/report.js';
import { tempDir } from '../../helpers/tmp.js';

describe('slayer run: mixed corpora, replay, full fine-tuning and LoRA baselines', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let options: RunOptions;

  beforeAll(async () => {
    t = await tempDir();
    const model = join(t.dir, 'model');
    await generateTestModel(model, {
      layers: 4,
      hiddenSize: 32,
      intermediateSize: 64,
      heads: 4,
      kvHeads: 2,
      vocabSize: 320,
      seed: 11,
      tokenizer: 'byte-level',
    });
    const folders = { code: join(t.dir, 'code'), math: join(t.dir, 'math'), general: join(t.dir, 'general') };
    for (const f of Object.values(folders)) await mkdir(f);
    for (let i = 0; i < 12; i++) {
      await writeFile(join(folders.code, `f${i}.ts`), `export function add${i}(a: number, b: number): number {\n  return a + b + ${i};\n}\n`.repeat(6));
      await writeFile(join(folders.math, `m${i}.md`), `Let x = ${i}. Then x + x = ${2 * i} and x times x = ${i * i}. `.repeat(6));
      await writeFile(join(folders.general, `g${i}.txt`), `Chapter ${i}. The sea was calm and the ship sailed on, ${'and the crew slept '.repeat(8 + i)}`);
    }
    options = {
      model,
      data: [
        { name: 'code', data: folders.code, weight: 0.6 },
        { name: 'math', data: folders.math, weight: 0.4 },
      ],
      replay: 0.1,
      domain: 'code',
      general: folders.general,
      out: join(t.dir, 'project'),
      seqLen: 32,
      seed: 0,
      steps: 2,
      batch: 4,
      lr: 1e-3,
      baselines: ['full', 'lora'],
      scoreSamples: 4,
      evalSamples: 4,
    };
  });
  afterAll(() => t.cleanup());

  it('reports each domain, the mixture, the baselines and the per-layer updates', async () => {
    const result = await runPipeline(options);
    const report = JSON.parse(await readFile(result.report, 'utf8')) as RunReport;
    expect(report.runs.map((r) => r.strategy)).toEqual(['s', 'full', 'lora']);
    expect(report.data.mixture!.sources.map((s) => [s.name, s.weight, +s.share.toFixed(6)])).toEqual([
      ['code', 0.6, 0.54],
      ['math', 0.4, 0.36],
    ]);
    expect(report.data.mixture!.replay!.share).toBe(0.1);

    // Each domain measured on its own; the math numbers are what evaluating its validation part gives.
    const [s, full, lora] = report.runs;
    expect(s.after.domains!.map((d) => d.name)).toEqual(['code', 'math']);
    const direct = await evaluateModel(s.modelDir, {
      data: join(options.out, 'corpus', 'sources', 'math'),
      split: 'validation',
      seqLen: 32,
      samples: 4,
      seed: 0,
    });
    expect(s.after.domains![1].perplexity.perplexity).toBeCloseTo(direct.perplexity, 6);
    expect(report.before.domains!.map((d) => d.name)).toEqual(['code', 'math']);

    // Full fine-tuning trains every tensor; LoRA trains adapters sized to S's trainable count (or capped at the weights' rank).
    const model = JSON.parse(await readFile(join(options.model, 'config.json'), 'utf8'));
    expect(full.training.trainableParameters).toBe(full.counts.parameters);
    const perRank = 4 * (32 + 32 + (32 + 16)); // 4 blocks x (q: 32 in + 32 out, v: 32 in + 16 out)
    expect(lora.training.trainableParameters % perRank).toBe(0);
    const rank = lora.training.trainableParameters / perRank;
    expect(rank).toBe(lora.lora!.rank);
    expect(lora.lora!.budgetParameters).toBe(s.training.trainableParameters);
    expect(rank).toBe(Math.min(16, Math.max(1, Math.round(s.training.trainableParameters / perRank))));
    expect(lora.lora!.budgetMatched).toBe(Math.abs(lora.training.trainableParameters - s.training.trainableParameters) <= perRank);
    expect(lora.counts.layers).toBe(model.num_hidden_layers);

    // Per-layer updates: S only its trained blocks, full every block and the head, LoRA every block with effective ranks.
    expect(s.updates!.map((u) => u.layer)).toEqual(s.trainableLayers);
    expect(full.updates!.map((u) => u.layer)).toEqual([0, 1, 2, 3, null]);
    expect(lora.updates!.every((u) => u.effectiveRank! >= 1 && u.effectiveRank! <= rank)).toBe(true);
    expect(await readFile(result.reportHtml, 'utf8')).toContain('How much each layer changed');

    // A rerun reuses every stage, the LoRA baseline included.
    const again = await runPipeline(options);
    expect(again.reusedStages).toEqual(expect.arrayContaining(['corpus', 'train-s', 'train-full', 'train-lora', 'evaluate-lora']));
  });
});
