/**
 * The memory plan every weight-loading job makes before it loads: with the free memory given, the
 * fastest weight mode that fits is chosen (fp32 resident, kept as stored, read from disk), the
 * three modes give the same numbers, and a job that fits none refuses before anything is read or
 * written. Expected byte counts are the formulas written out with the model's numbers.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreLayers } from '../../../src/main/analysis/index.js';
import { evaluateModel } from '../../../src/main/evaluate/index.js';
import { chooseWeightMode, MemoryRefusal } from '../../../src/main/memory/choose.js';
import { forwardEstimate, forwardEstimates, RUNTIME_BYTES } from '../../../src/main/memory/forward.js';
import { FREE_SHARE } from '../../../src/main/memory/machine.js';
import { trainingEstimates } from '../../../src/main/memory/training.js';
import { blockParameters, modelParameters } from '../../../src/main/model/tensors.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { train } from '../../../src/main/train/index.js';
import type { MachineMemory, WeightMode } from '../../../src/shared/memory.js';
import { parseModelConfig } from '../../../src/main/model/config.js';
import { tempDir } from '../../helpers/tmp.js';

const GiB = 2 ** 30;
const llama7b = parseModelConfig({
  architectures: ['LlamaForCausalLM'],
  hidden_size: 4096,
  intermediate_size: 11008,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  vocab_size: 32000,
  torch_dtype: 'bfloat16',
});

describe('forward estimates (Llama-2-7B shape, bf16, 64 x 128 tokens)', () => {
  const shape = { sequences: 64, seqLen: 128 };
  const P = 6_738_415_616;
  const block = 202_383_360;
  const weights = (mode: WeightMode) => forwardEstimate(llama7b, 2, shape, mode).parts.find((p) => p.name === 'Weights')!.bytes;

  it('holds 4 bytes per weight in fp32, 2 plus one fp32 block buffer as stored, one buffer and the largest tensor when streamed', () => {
    expect(weights('resident-f32')).toBe(4 * P);
    // The widening buffer holds the larger of a block (202 M) and the embedding (32000 x 4096 = 131 M).
    expect(weights('resident-stored')).toBe(2 * P + 4 * block);
    expect(weights('streamed')).toBe(4 * block + 2 * 32000 * 4096);
  });

  it('adds the runtime, one chunk of hidden states and one graph call of work', () => {
    const e = forwardEstimate(llama7b, 2, shape, 'streamed');
    const part = (name: string) => e.parts.find((p) => p.name === name)!.bytes;
    expect(part('Runtime')).toBe(RUNTIME_BYTES);
    // 256 MiB of hidden states hold 128 sequences of 128 x 4096 fp32 values: all 64 here. One call's batch: the
    // 1 GiB budget over 4 * 128 * max(3*32*128, 3*11008, 3*32000) bytes per sequence = 21 sequences.
    const perSequence = 4 * 128 * 3 * 32000;
    const batch = Math.floor(GiB / perSequence);
    expect(batch).toBe(21);
    expect(part('Hidden states')).toBe(4 * 128 * 4096 * (64 + batch));
    expect(part('Working memory')).toBe(batch * perSequence);
    expect(e.totalBytes).toBe(e.parts.reduce((n, p) => n + p.bytes, 0));
  });
});

describe('choosing a weight mode', () => {
  const estimates = forwardEstimates(llama7b, 2, { sequences: 64, seqLen: 128 });
  const [f32, stored, streamed] = estimates;
  const freeFor = (bytes: number): MachineMemory => ({ totalBytes: 64 * GiB, freeBytes: bytes / FREE_SHARE });

  it('takes the fastest mode whose peak is within 80% of the free memory', () => {
    expect(estimates.map((e) => e.mode)).toEqual(['resident-f32', 'resident-stored', 'streamed']);
    expect(chooseWeightMode(estimates, { machine: freeFor(f32.totalBytes) }, 'Scoring', []).record.mode).toBe('resident-f32');
    expect(chooseWeightMode(estimates, { machine: freeFor(f32.totalBytes - 1) }, 'Scoring', []).record.mode).toBe('resident-stored');
    expect(chooseWeightMode(estimates, { machine: freeFor(stored.totalBytes - 1) }, 'Scoring', []).record.mode).toBe('streamed');
    const choice = chooseWeightMode(estimates, { machine: freeFor(streamed.totalBytes) }, 'Scoring', []);
    expect(choice.record).toEqual({
      mode: 'streamed',
      estimateBytes: streamed.totalBytes,
      budgetBytes: streamed.totalBytes,
      freeBytes: streamed.totalBytes / FREE_SHARE,
      forced: false,
    });
  });

  it('a memory limit below the free memory wins', () => {
    const machine = { totalBytes: 256 * GiB, freeBytes: 200 * GiB };
    expect(chooseWeightMode(estimates, { machine, memoryLimitBytes: stored.totalBytes }, 'Scoring', []).record.mode).toBe('resident-stored');
  });

  it('a forced mode is checked, not chosen', () => {
    const machine = { totalBytes: 256 * GiB, freeBytes: 200 * GiB };
    expect(chooseWeightMode(estimates, { machine, forceMode: 'streamed' }, 'Scoring', []).record).toMatchObject({ mode: 'streamed', forced: true });
    expect(() => chooseWeightMode(estimates, { machine: freeFor(streamed.totalBytes - 1), forceMode: 'streamed' }, 'Scoring', [])).toThrow(MemoryRefusal);
  });

  it('refuses in one line with the need, the free memory and what would fit', () => {
    const machine = { totalBytes: 4 * GiB, freeBytes: 1 * GiB };
    let message = '';
    try {
      chooseWeightMode(estimates, { machine }, 'Scoring', ['fewer samples or shorter sequences', 'a GPU']);
    } catch (e) {
      expect(e).toBeInstanceOf(MemoryRefusal);
      message = (e as Error).message;
    }
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toContain('Scoring would not fit in memory');
    expect(message).toContain(`needs even ${(streamed.totalBytes / GiB).toFixed(1)} GB with weights read from disk one block at a time`);
    expect(message).toContain('1.0 GB is free');
    expect(message).toContain('Nothing was loaded. What would fit: fewer samples or shorter sequences; a GPU.');
  });
});

describe('jobs plan their memory', () => {
  let t: { dir: string; cleanup: () => Promise<void> };
  let modelDir: string;
  let dataFile: string;
  beforeAll(async () => {
    t = await tempDir('slayer-memory-');
    modelDir = join(t.dir, 'bf16');
    await generateTestModel(modelDir, { layers: 3, hiddenSize: 32, intermediateSize: 48, heads: 4, kvHeads: 2, vocabSize: 320, dtype: 'bf16', seed: 3 });
    dataFile = join(t.dir, 'ids.jsonl');
    const lines = Array.from({ length: 6 }, (_, s) => JSON.stringify({ input_ids: Array.from({ length: 12 + s }, (_, i) => (i * 37 + s * 11) % 320) }));
    await writeFile(dataFile, `${lines.join('\n')}\n`);
  });
  afterAll(() => t.cleanup());

  /** Free memory that makes exactly `mode` the fastest fitting one for this model and job (scores: no LM head). */
  function machineFor(mode: WeightMode, sequences: number, seqLen: number, statsOnly = false): MachineMemory {
    const [f32, stored] = forwardEstimates(
      parseModelConfig({
        architectures: ['LlamaForCausalLM'],
        hidden_size: 32,
        intermediate_size: 48,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        num_hidden_layers: 3,
        vocab_size: 320,
      }),
      2,
      { sequences, seqLen, statsOnly },
    );
    const budget = mode === 'resident-f32' ? f32.totalBytes : mode === 'resident-stored' ? f32.totalBytes - 1 : stored.totalBytes - 1;
    return { totalBytes: 64 * GiB, freeBytes: budget / FREE_SHARE };
  }

  it('score and eval give the same numbers in all three modes, and record the mode they chose', async () => {
    const scores: { angularLast: number; blockInfluence: number }[][] = [];
    const evals = [];
    for (const mode of ['resident-f32', 'resident-stored', 'streamed'] as const) {
      const s = await scoreLayers(modelDir, dataFile, { threads: 1, seqLen: 17, machine: machineFor(mode, 6, 17, true) }, {});
      const e = await evaluateModel(modelDir, { data: dataFile, threads: 1, seqLen: 17, machine: machineFor(mode, 6, 17) }, {});
      expect(s.memory.mode).toBe(mode);
      expect(e.memory.mode).toBe(mode);
      scores.push(s.layers);
      evals.push(e.meanNll);
    }
    // Widening bf16 to fp32 is exact, so every mode computes with the same fp32 weights.
    for (const k of [1, 2]) {
      expect(evals[k]).toBeCloseTo(evals[0], 6);
      scores[k].forEach((l, i) => {
        expect(l.angularLast).toBeCloseTo(scores[0][i].angularLast, 6);
        expect(l.blockInfluence).toBeCloseTo(scores[0][i].blockInfluence, 6);
      });
    }
  });

  it('a job that fits no mode refuses before it loads; training writes nothing', async () => {
    const tiny = { totalBytes: 64 * GiB, freeBytes: 1000 };
    await expect(scoreLayers(modelDir, dataFile, { threads: 1, machine: tiny })).rejects.toThrow(/Scoring would not fit in memory/);
    const out = join(t.dir, 'trained');
    await expect(train(modelDir, { data: dataFile, out, trainable: [2], steps: 1, batch: 2, threads: 1, machine: tiny })).rejects.toThrow(
      /Training would not fit in memory/,
    );
    await expect(stat(out)).rejects.toThrow();
    expect((await readdir(t.dir)).sort()).toEqual(['bf16', 'ids.jsonl']);
  });

  it('training holds frozen weights in each mode and trains to the same losses', async () => {
    const m = (await import('../../../src/main/model/folder.js')).ModelFolder;
    const folder = await m.open(modelDir);
    const d = folder.description;
    await folder.close();
    const shape = {
      layers: 3,
      parameters: modelParameters(d),
      trainableParameters: blockParameters(d),
      lowestTrainable: 1,
      batch: 2,
      seqLen: 17,
      optimizerStates: 2,
    };
    const [f32, stored] = trainingEstimates(d, 2, shape);
    const machines: Record<Exclude<WeightMode, 'resident-int8'>, MachineMemory> = {
      'resident-f32': { totalBytes: 64 * GiB, freeBytes: f32.totalBytes / FREE_SHARE },
      'resident-stored': { totalBytes: 64 * GiB, freeBytes: (f32.totalBytes - 1) / FREE_SHARE },
      streamed: { totalBytes: 64 * GiB, freeBytes: (stored.totalBytes - 1) / FREE_SHARE },
    };
    const losses: number[][] = [];
    for (const [mode, machine] of Object.entries(machines)) {
      const run = await train(
        modelDir,
        { data: dataFile, out: join(t.dir, `run-${mode}`), trainable: [1], steps: 2, batch: 2, seqLen: 17, threads: 1, seed: 1, machine },
        {},
      );
      expect(run.memory.mode).toBe(mode);
      losses.push(run.losses);
    }
    expect(losses[1]).toEqual(losses[0]);
    expect(losses[2]).toEqual(losses[0]);
  });
});
