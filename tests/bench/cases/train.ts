/**
 * Training throughput and peak memory: an S plan on a generated Llama of ~60M parameters
 * (hidden 512, 8 layers, MLP 1536, vocabulary 32000, untied head; the S plan makes 9 layers and
 * trains blocks 2, 5 and 8, ~10M parameters), sequences of 256 tokens, batch 4, AdamW, fp32.
 * `slayer train` runs as a user runs it (a child process; peak RSS from /proc VmHWM), then the
 * same layers in plain PyTorch (tests/bench/torch_train.py) when a Python with torch is found.
 * The two alternate ROUNDS times; reported are the best round's tokens/s and the best single
 * step of all rounds, since other work on a shared machine only ever slows a run down.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import type { TrainingRecord } from '../../../src/main/train/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { runMeasured } from '../measure.js';

const SHAPE = { hiddenSize: 512, layers: 8, intermediateSize: 1536, heads: 8, vocabSize: 32000 };
const SEQ_LEN = 256;
const BATCH = 4;
const STEPS = 3;
const ROUNDS = 2;
const PYTHONS = ['python3', '/usr/bin/python3'];

interface Throughput {
  tokensPerSecond: number;
  stepTokensPerSecond: number[];
  peakRssBytes: number;
}

async function torchPython(): Promise<string | null> {
  for (const python of PYTHONS) {
    const probe = await runMeasured(python, ['-c', 'import torch']).catch(() => null);
    if (probe?.code === 0) return python;
  }
  return null;
}

function summary(runs: Throughput[]): Record<string, number> {
  return {
    tokensPerSecond: Math.max(...runs.map((r) => r.tokensPerSecond)),
    bestStepTokensPerSecond: Math.max(...runs.flatMap((r) => r.stepTokensPerSecond)),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const { dir, cleanup } = await tempDir('slayer-bench-train-');
  try {
    const base = await generateTestModel(join(dir, 'base'), { ...SHAPE, kvHeads: SHAPE.heads, maxPositionEmbeddings: 512, seed: 1, tokenizer: false });
    const plan = makePlan(base.description, { strategy: 's' });
    const applied = await applyPlan(base.dir, plan, join(dir, 's'));
    const ids = (s: number) => Array.from({ length: SEQ_LEN }, (_, i) => (i * 7919 + s * 104729) % SHAPE.vocabSize);
    await writeFile(join(dir, 'data.jsonl'), Array.from({ length: BATCH * STEPS }, (_, s) => JSON.stringify({ input_ids: ids(s) })).join('\n'));
    const threads = availableParallelism();
    const python = await torchPython();
    const trainable = plan.layers.filter((l) => l.trainable).map((l) => l.index);

    const ours: Throughput[] = [];
    const torch: Throughput[] = [];
    let torchProblem: string | null = python ? null : 'no Python with torch found (tried python3 and /usr/bin/python3)';
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(dir, 'trained');
      await rm(out, { recursive: true, force: true });
      const r = await runMeasured('node', [
        'bin/slayer.js',
        'train',
        applied.out,
        '--data',
        join(dir, 'data.jsonl'),
        '--out',
        out,
        '--steps',
        String(STEPS),
        '--batch',
        String(BATCH),
        '--seq-len',
        String(SEQ_LEN),
        '--checkpoint-every',
        '0',
        '--threads',
        String(threads),
        '--json',
      ]);
      if (r.code !== 0) throw new Error(`slayer train failed: ${r.stderr.trim().split('\n').pop()}`);
      const record = JSON.parse(await readFile(join(out, 'slayer.json'), 'utf8')).training as TrainingRecord;
      ours.push({
        tokensPerSecond: JSON.parse(r.stdout).tokensPerSecond,
        stepTokensPerSecond: record.history.steps.map((s) => s.tokens / s.seconds),
        peakRssBytes: r.peakRssBytes,
      });
      if (!python || torchProblem) continue;
      const t = await runMeasured(python, [
        'tests/bench/torch_train.py',
        '--hidden',
        String(SHAPE.hiddenSize),
        '--intermediate',
        String(SHAPE.intermediateSize),
        '--heads',
        String(SHAPE.heads),
        '--layers',
        String(plan.counts.layers),
        '--vocab',
        String(SHAPE.vocabSize),
        '--batch',
        String(BATCH),
        '--seq',
        String(SEQ_LEN),
        '--steps',
        String(STEPS),
        '--threads',
        String(threads),
        '--trainable',
        trainable.join(','),
      ]);
      if (t.code !== 0) torchProblem = `torch_train.py failed: ${t.stderr.trim().split('\n').pop()}`;
      else torch.push({ ...JSON.parse(t.stdout), peakRssBytes: t.peakRssBytes });
    }
    const slayer = summary(ours);
    const reference = torch.length > 0 ? summary(torch) : null;
    return {
      model: { parameters: plan.counts.parameters, trainableParameters: plan.counts.trainableParameters, layers: plan.counts.layers, trainable },
      run: { seqLen: SEQ_LEN, batch: BATCH, steps: STEPS, rounds: ROUNDS, threads, optimizer: 'adamw', dtype: 'fp32' },
      slayer,
      torch: reference ?? { missing: torchProblem },
      speedupOverTorch: reference
        ? { run: slayer.tokensPerSecond / reference.tokensPerSecond, bestStep: slayer.bestStepTokensPerSecond / reference.bestStepTokensPerSecond }
        : null,
    };
  } finally {
    await cleanup();
  }
}
