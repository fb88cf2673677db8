/**
 * The trainer end to end on tiny generated model folders: one SGD step against gradients from
 * float64 finite differences, frozen tensors bit-identical, gradient accumulation, the S plan's
 * zeroed blocks at step 0, stop-and-save and resume with the same losses, damaged checkpoints.
 */
import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainingEngine } from '../../../src/main/engine/training-engine.js';
import { buildCorpus, saveCorpusReport } from '../../../src/main/data/index.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { blockTensorSpecs, parseBlockTensorName } from '../../../src/main/model/tensors.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import { train, TrainingStopped, type TrainOptions } from '../../../src/main/train/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { seededRandom } from '../engine/random-model.js';
import { float64Weights, referenceLoss, targetCount } from '../engine/reference-loss.js';
import { readModel, tinyModelFolder, writeTokenData } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-train-'));
});
afterAll(async () => cleanup());

const quiet: Partial<TrainOptions> = { threads: 1, checkpointEvery: 0 };

describe('trainer', () => {
  it('one SGD step is w - lr g with g from float64 finite differences; every frozen tensor stays bit-identical', async () => {
    const model = await tinyModelFolder(join(dir, 'sgd-model'));
    const sequences = await writeTokenData(join(dir, 'sgd.jsonl'), [9, 6, 4], 53, 1);
    const out = join(dir, 'sgd-out');
    const lr = 1;
    const result = await train(model.dir, {
      ...quiet,
      data: join(dir, 'sgd.jsonl'),
      out,
      steps: 1,
      batch: 3,
      seqLen: 16,
      lr,
      warmup: 0,
      schedule: 'constant',
      optimizer: 'sgd',
      clip: 0,
      weightDecay: 0,
      trainable: [1],
      shuffle: false,
    });
    expect(result.trainableParameters).toBe(blockTensorSpecs(model.description).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0));
    const before = await readModel(model.dir);
    const after = await readModel(out);
    const m = model.description;
    const weights = float64Weights(before.values);
    const w = 1 / targetCount(sequences);
    const loss = () => referenceLoss(m, weights, sequences, w);
    expect(result.losses[0]).toBeCloseTo(loss(), 5);
    const random = seededRandom(5);
    for (const name of before.values.keys()) {
      if (parseBlockTensorName(name)?.layer !== 1) {
        expect(after.bytes.get(name)!.equals(before.bytes.get(name)!), `${name} is frozen`).toBe(true);
        continue;
      }
      const old = weights.get(name)!;
      const updated = after.values.get(name)!;
      for (let k = 0; k < 4; k++) {
        const i = Math.floor(random() * old.length);
        const keep = old[i];
        old[i] = keep + 1e-5;
        const up = loss();
        old[i] = keep - 1e-5;
        const down = loss();
        old[i] = keep;
        const gradient = (up - down) / 2e-5;
        // float32 rounding of w and w - g is ~1e-7 here (lr = 1, |w| <= ~1).
        expect(Math.abs((keep - updated[i]) / lr - gradient), `${name}[${i}]`).toBeLessThan(2e-6 + 1e-4 * Math.abs(gradient));
      }
    }
    const record = JSON.parse(await readFile(join(out, 'slayer.json'), 'utf8'));
    expect(record.training).toMatchObject({ steps: 1, trainableLayers: [1], trainGlobals: false, settings: { optimizer: 'sgd', lr: 1 } });
    expect(record.training.history.steps[0].loss).toBe(result.losses[0]);
  });

  it('gradient accumulation: batch 4 in one pass and 2 x 2 give the same gradient, losses and weights', async () => {
    const model = await tinyModelFolder(join(dir, 'accum-model'));
    await writeTokenData(join(dir, 'accum.jsonl'), [12, 12, 7, 12, 12, 10, 12, 5], 53, 2);
    const folder = await ModelFolder.open(model.dir);
    const engine = await createTrainingEngine(folder, { layers: [0, 2], globals: true }, { threads: 1 });
    try {
      const sequences = [
        [1, 2, 3, 4, 5, 6, 7],
        [8, 9, 10],
        [11, 12, 13, 14, 15, 16],
        [17, 18, 19, 20, 21],
      ];
      const w = 1 / targetCount(sequences);
      const whole = await engine.accumulateGradients(sequences, w);
      const once = engine.parameters.map((p) => p.grad.slice());
      engine.zeroGradients();
      const halves = (await engine.accumulateGradients(sequences.slice(0, 2), w)) + (await engine.accumulateGradients(sequences.slice(2), w));
      expect(halves).toBeCloseTo(whole, 6);
      engine.parameters.forEach((p, k) => p.grad.forEach((g, i) => expect(Math.abs(g - once[k][i])).toBeLessThan(1e-7 + 1e-5 * Math.abs(once[k][i]))));
    } finally {
      await engine.dispose();
      await folder.close();
    }
    const run = (batch: number, gradAccum: number) =>
      train(model.dir, {
        ...quiet,
        data: join(dir, 'accum.jsonl'),
        out: join(dir, `accum-${batch}x${gradAccum}`),
        steps: 2,
        batch,
        gradAccum,
        seqLen: 16,
        lr: 1e-2,
        trainable: 'all',
      });
    const one = await run(4, 1);
    const two = await run(2, 2);
    two.losses.forEach((l, s) => expect(l).toBeCloseTo(one.losses[s], 5));
    const a = await readModel(one.out);
    const b = await readModel(two.out);
    for (const [name, values] of a.values) values.forEach((x, i) => expect(Math.abs(x - b.values.get(name)![i])).toBeLessThan(1e-5));
  });

  it('an S-plan model (slayer apply) trains its new and refreshed blocks; at step 0 only o_proj/down_proj of new blocks move', async () => {
    const base = await tinyModelFolder(join(dir, 's-base'), { layers: 4, vocabSize: 60 });
    const plan = makePlan(base.description, { strategy: 's', expand: 1, prune: 1 });
    const applied = await applyPlan(base.dir, plan, join(dir, 's-applied'));
    await writeTokenData(join(dir, 's.jsonl'), [16, 16, 16, 16], 60, 3);
    const out = join(dir, 's-trained');
    const result = await train(applied.out, {
      ...quiet,
      data: join(dir, 's.jsonl'),
      out,
      steps: 1,
      batch: 4,
      seqLen: 16,
      weightDecay: 0,
      optimizer: 'sgd',
      lr: 0.1,
    });
    expect(result.trainableLayers).toEqual(applied.trainableLayers);
    const before = await readModel(applied.out);
    const after = await readModel(out);
    for (const [name, bytes] of before.bytes) {
      const block = parseBlockTensorName(name);
      const layer = block === null ? null : plan.layers[block.layer];
      const moved = !after.bytes.get(name)!.equals(bytes);
      if (!layer?.trainable) expect(moved, `${name} is frozen`).toBe(false);
      else if (layer.kind === 'new') expect(moved, name).toBe(layer.init.zeroed.includes(block!.suffix));
      else expect(moved, `${name} of the refreshed block`).toBe(true);
    }
    const record = JSON.parse(await readFile(join(out, 'slayer.json'), 'utf8'));
    expect(record.plan).toEqual(plan);
    expect(record.trainableLayers).toEqual(applied.trainableLayers);
    expect(record.training.steps).toBe(1);
  });

  it('stop-and-save then resume gives the same losses, evaluations and weights as an uninterrupted run; damaged checkpoints are skipped', async () => {
    const model = await tinyModelFolder(join(dir, 'resume-model'));
    await writeTokenData(
      join(dir, 'resume.jsonl'),
      Array.from({ length: 10 }, () => 12),
      53,
      4,
    );
    await writeTokenData(join(dir, 'held-out.jsonl'), [12, 12, 12], 53, 5);
    const options = (out: string): TrainOptions => ({
      ...quiet,
      data: join(dir, 'resume.jsonl'),
      out,
      steps: 8,
      batch: 2,
      gradAccum: 2,
      seqLen: 12,
      lr: 3e-3,
      warmup: 2,
      trainable: [0, 2],
      evalData: [join(dir, 'held-out.jsonl')],
      evalEvery: 3,
      checkpointEvery: 2,
    });
    const metrics: string[] = [];
    const whole = await train(model.dir, options(join(dir, 'whole')), { onMetric: (name, step) => metrics.push(`${name}@${step}`) });
    expect(whole.losses).toHaveLength(8);
    expect(whole.evals.map((e) => e.step)).toEqual([0, 3, 6, 8]);
    expect(metrics).toEqual(expect.arrayContaining(['loss@1', 'lr@1', 'gradNorm@8', 'tokensPerSecond@8', 'evalLoss/held-out@0', 'evalLoss/held-out@8']));

    const out = join(dir, 'parts');
    const stop = new AbortController();
    const stopped = await train(model.dir, options(out), {
      signal: stop.signal,
      onMetric: (name, step) => name === 'loss' && step === 5 && stop.abort(),
    }).catch((e) => e);
    expect(stopped).toBeInstanceOf(TrainingStopped);
    expect((stopped as TrainingStopped).step).toBe(5);
    const checkpoints = join(out, 'checkpoints');
    expect((await readdir(checkpoints)).sort()).toEqual(['step-00000004', 'step-00000005']);

    // Damage the newest checkpoint and leave debris a crash could leave: resume must skip them all.
    const newest = join(checkpoints, 'step-00000005', 'model.safetensors');
    const bytes = await readFile(newest);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(newest, bytes);
    await mkdir(join(checkpoints, 'step-00000007'));
    await writeFile(join(checkpoints, 'step-00000007', 'state.json'), '{}');
    await mkdir(join(checkpoints, '.slayer-tmp-step-00000006-1-abcd'));
    const logs: string[] = [];
    const resumed = await train(model.dir, { ...options(out), resume: true }, { onLog: (line) => logs.push(line) });
    expect(logs.filter((l) => l.startsWith('Ignoring'))).toEqual([
      expect.stringMatching(/step-00000007: it has no manifest/),
      expect.stringMatching(/step-00000005: model.safetensors does not match its SHA-256/),
    ]);
    expect(resumed.resumedFrom).toBe(4);
    expect((await readdir(checkpoints)).filter((n) => n.startsWith('.slayer-tmp-'))).toEqual([]);
    expect(resumed.losses).toEqual(whole.losses);
    expect(resumed.evals).toEqual(whole.evals);
    const a = await readModel(whole.out);
    const b = await readModel(resumed.out);
    for (const [name, data] of a.bytes) expect(b.bytes.get(name)!.equals(data), name).toBe(true);

    const again = await train(model.dir, options(out)).catch((e) => e);
    expect(again.message).toMatch(/already exists. Add --resume/);
    const changed = await train(model.dir, { ...options(out), resume: true, lr: 1e-3 }).catch((e) => e);
    expect(changed.message).toMatch(/belongs to a different run \(lr was 0.003, now 0.001\)/);
    await rm(out, { recursive: true });
  });

  it('a corpus built by slayer corpus: trains on its train part, evaluates its domain and general holdouts', async () => {
    const model = await tinyModelFolder(join(dir, 'text-model'), { vocabSize: 400, tokenizer: 'sentencepiece' });
    const words = 'the court held that a contract binds each party who signs it and no other person may claim under it'.split(' ');
    const random = seededRandom(8);
    const prose = (n: number) => Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ');
    for (const [folder, count] of [
      ['domain', 12],
      ['general', 6],
    ] as const) {
      await mkdir(join(dir, folder));
      for (let i = 0; i < count; i++) await writeFile(join(dir, folder, `${i}.txt`), prose(120));
    }
    const report = await buildCorpus({
      data: join(dir, 'domain'),
      general: join(dir, 'general'),
      tokenizer: await ModelTokenizer.load(model.dir),
      cacheRoot: join(dir, 'token-cache'),
      seqLen: 32,
      validationFraction: 0.3,
      nearDuplicateThreshold: null,
    });
    await saveCorpusReport(join(dir, 'corpus'), report);
    const result = await train(model.dir, {
      ...quiet,
      data: join(dir, 'corpus'),
      out: join(dir, 'text-out'),
      steps: 2,
      batch: 2,
      seqLen: 32,
      trainable: [1],
      evalData: [join(dir, 'corpus')],
    });
    expect(result.trainingSequences).toBe(Math.floor(report.split.train.tokens / 32));
    expect(result.evals.map((e) => `${e.name}@${e.step}`)).toEqual(['domain@0', 'general@0', 'domain@2', 'general@2']);
    for (const e of result.evals) expect(e.perplexity).toBeCloseTo(Math.exp(e.loss), 10);
  });

  it('refuses a model without slayer.json for --trainable auto, and out-of-range layers', async () => {
    const model = await tinyModelFolder(join(dir, 'plain'));
    await writeTokenData(join(dir, 'plain.jsonl'), [8, 8], 53, 6);
    const base: TrainOptions = { ...quiet, data: join(dir, 'plain.jsonl'), out: join(dir, 'plain-out'), seqLen: 8 };
    await expect(train(model.dir, base)).rejects.toThrow(/has no slayer.json .* Use --trainable all/);
    await expect(train(model.dir, { ...base, trainable: [3] })).rejects.toThrow(/names layer 3, but the model has layers 0 to 2/);
    await expect(train(model.dir, { ...base, trainable: 'all', out: model.dir })).rejects.toThrow(/is the model folder or inside it/);
    await expect(train(model.dir, { ...base, trainable: 'all', evalEvery: 2 })).rejects.toThrow(/needs held-out data/);
  });
});
