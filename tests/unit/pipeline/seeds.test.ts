/**
 * `slayer run --seeds 2` on a tiny generated model: each strategy trained twice (seeds 0 and 1),
 * seed 1 in its own stages and folders, the report's mean ± sd computed from the two runs'
 * measurements, and a rerun (also by the 'pipeline' job, from settings.json) reuses every stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { main } from '../../../src/cli/main.js';
import { evaluateModel } from '../../../src/main/evaluate/index.js';
import { jobRunners } from '../../../src/main/jobs/runners.js';
import { jobParamSchemas } from '../../../src/shared/jobs.js';
import { pipelineStatus, stageNames } from '../../../src/main/pipeline/status.js';
import type { RunReport } from '../../../src/shared/report.js';
import { tempDir } from '../../helpers/tmp.js';

describe('slayer run --seeds 2', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let args: string[];
  let out: string;

  beforeAll(async () => {
    t = await tempDir();
    const model = join(t.dir, 'model');
    await generateTestModel(model, { layers: 4, hiddenSize: 32, intermediateSize: 64, heads: 4, kvHeads: 2, vocabSize: 320, seed: 3, tokenizer: 'byte-level' });
    const docs = join(t.dir, 'docs');
    const general = join(t.dir, 'general');
    await mkdir(docs);
    await mkdir(general);
    for (let i = 0; i < 10; i++) {
      await writeFile(join(docs, `f${i}.ts`), `export const v${i} = (a: number) => a * ${i} + 1;\n`.repeat(8));
      await writeFile(join(general, `g${i}.txt`), `Day ${i}. The river ran past the old mill ${'and the birds sang '.repeat(6 + i)}`);
    }
    out = join(t.dir, 'project');
    args = ['run', '--model', model, '--data', docs, '--general', general, '--domain', 'code', '--out', out];
    args.push('--steps', '2', '--batch', '2', '--lr', '0.01', '--seq-len', '32', '--samples', '4', '--baselines', 'last-k', '--seeds', '2');
  });
  afterAll(() => t.cleanup());

  it('trains each strategy with seeds 0 and 1 and reports both runs with mean ± sd', async () => {
    expect(await main(args)).toBe(0);
    const report: RunReport = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.data.seeds).toBe(2);
    expect(report.runs.map((r) => r.strategy)).toEqual(['s', 'last-k']);
    for (const run of report.runs) {
      // Seed 0 keeps the single run's folder; seed 1 has its own.
      expect(run.modelDir).toBe(join(out, 'models', `${run.strategy}-trained`));
      expect(run.seedRuns).toHaveLength(1);
      const extra = run.seedRuns![0];
      expect(extra).toMatchObject({ seed: 1, modelDir: join(out, 'models', `${run.strategy}-trained-seed1`) });
      expect(extra.training.losses).toHaveLength(2);
      // Another seed orders the data differently: the training differs.
      expect(extra.training.losses).not.toEqual(run.training.losses);
      // The seed-1 numbers are what evaluating its model gives, independently.
      const direct = await evaluateModel(extra.modelDir, { data: join(out, 'corpus'), split: 'validation', seqLen: 32, samples: 4, seed: 0 });
      expect(extra.after.domain.perplexity).toBeCloseTo(direct.perplexity, 6);
      // Two values a, b: mean (a + b) / 2, sample sd |a − b| / √2.
      const [a, b] = [run.after.domain.perplexity, extra.after.domain.perplexity];
      expect(run.spread!.seeds).toEqual([0, 1]);
      expect(run.spread!.domain.values).toEqual([a, b]);
      expect(run.spread!.domain.mean).toBeCloseTo((a + b) / 2, 10);
      expect(run.spread!.domain.sd).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 10);
    }
    expect(report.findings.some((f) => f.startsWith('Across 2 seeds'))).toBe(true);
    expect(report.findings.some((f) => / beats |do not differ on domain perplexity beyond the spread/.test(f))).toBe(true);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('Across seeds (mean ± standard deviation)');
    expect(existsSync(join(out, 'stages', 'train-s-seed1.json'))).toBe(true);
    // The project remembers the choice, so the app's pipeline runs the same stages.
    expect(JSON.parse(await readFile(join(out, 'settings.json'), 'utf8')).pipeline.seeds).toBe(2);
  });

  it('a rerun reuses every stage, by the CLI and by the pipeline job', async () => {
    // 4 layers: the S plan deletes none, so its built model is the base model and is not measured again.
    const names = stageNames({ baselines: ['last-k'], seeds: 2 }).filter((n) => n !== 'evaluate-built-s');
    expect(names).toEqual(expect.arrayContaining(['train-s-seed1', 'evaluate-s-seed1', 'train-last-k-seed1', 'evaluate-last-k-seed1']));
    const status = await pipelineStatus(out);
    expect(status.stages.every((s) => s.state === 'done')).toBe(true);
    expect(status.stages.map((s) => s.name)).toEqual(names);
    expect(status.stages.find((s) => s.name === 'train-last-k-seed1')?.label).toBe('Training last-k (seed +1)');
    const records = async () => Promise.all(names.map((n) => readFile(join(out, 'stages', `${n}.json`), 'utf8')));
    const first = await records();
    // The same command again: every stage record (with its finish time) stays as it was.
    expect(await main(args)).toBe(0);
    expect(await records()).toEqual(first);
    const job = await jobRunners.pipeline(jobParamSchemas.pipeline.parse({ projectDir: out }), {});
    expect(job.ran).toEqual([]);
    expect(job.reused).toEqual(names);
  });
});
