/**
 * Running a different sequence of blocks (the drop-one and insert-one probes) and layer
 * streaming: an identity block scores 0 and can be dropped without any change, inserted
 * blocks compute what the reference computes with the same weights, and streaming gives
 * the same numbers as resident weights while reading each block once per run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createForwardEngine, type ForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { blockTensorName, blockTensorSpecs } from '../../../src/main/model/tensors.js';
import { memoryReader, randomModel, randomSequences, tinyConfig, type MemoryModel } from './random-model.js';
import { referenceForward, referenceTokenLogProbs } from './reference-forward.js';

const engines: ForwardEngine[] = [];
afterAll(async () => Promise.all(engines.map((e) => e.dispose())));
async function engineFor(model: MemoryModel, streaming = false, activationBudgetBytes?: number): Promise<ForwardEngine> {
  const engine = await createForwardEngine(model, { threads: 1, weights: streaming ? 'streamed' : 'resident-f32', activationBudgetBytes });
  engines.push(engine);
  return engine;
}

const config = tinyConfig({ num_key_value_heads: 2, num_hidden_layers: 4, attention_bias: true });
const sequences = randomSequences(3, [8, 5, 11], config.vocabSize, 21);

function block(model: MemoryModel, layer: number): Map<string, Float32Array> {
  return new Map(blockTensorSpecs(model.description).map((s) => [s.name, model.tensors.get(blockTensorName(layer, s.name))!]));
}

describe('block sequences', () => {
  it('an identity block (o_proj with its bias, and down_proj zero) scores 0, and dropping it changes nothing', async () => {
    const model = randomModel(config, 5);
    // attention_bias: true gives o_proj a bias, so the residual outputs are three tensors here.
    const residual = ['self_attn.o_proj.weight', 'self_attn.o_proj.bias', 'mlp.down_proj.weight'];
    for (const suffix of residual) model.tensors.get(blockTensorName(2, suffix))!.fill(0);
    const engine = await engineFor(model);
    const full = await engine.run(sequences, { collectStats: true });
    const identity = full.stats![2];
    expect(identity.angularLast).toBe(0);
    expect(identity.angularMean).toBe(0);
    expect(Math.abs(identity.blockInfluence)).toBeLessThan(1e-6);
    expect(full.stats![1].angularMean).toBeGreaterThan(0.01); // the others do work

    const dropped = await engine.run(sequences, { blockSequence: [0, 1, 3] });
    expect(dropped.tokenLogProbs).toEqual(full.tokenLogProbs);
    const droppedOther = await engine.run(sequences, { blockSequence: [0, 2, 3] });
    expect(droppedOther.tokenLogProbs).not.toEqual(full.tokenLogProbs);
  });

  it('inserted blocks (copy of i, average of i and i+1) match the reference with those weights', async () => {
    const model = randomModel(config, 6);
    const m = model.description;
    const engine = await engineFor(model);
    const average = new Map([...block(model, 1)].map(([name, w]) => [name, w.map((x, i) => (x + block(model, 2).get(name)![i]) / 2)]));
    const cases = [
      { sequence: [0, 1, { mean: [1, 2] }, 2, 3], blocks: [block(model, 0), block(model, 1), average, block(model, 2), block(model, 3)] },
      { sequence: [0, 0, 1, 2, 3], blocks: [0, 0, 1, 2, 3].map((i) => block(model, i)) },
      { sequence: [], blocks: [] },
    ];
    for (const { sequence, blocks } of cases) {
      const { tokenLogProbs, stats } = await engine.run(sequences, { blockSequence: sequence, collectStats: true });
      expect(stats).toHaveLength(sequence.length);
      sequences.forEach((ids, s) => {
        const expected = referenceTokenLogProbs(referenceForward(m, model.tensors, blocks, ids).logits, ids, m.vocabSize);
        tokenLogProbs[s].forEach((lp, t) => expect(Math.abs(lp - expected[t])).toBeLessThan(1e-5));
      });
    }
    // { mean: [i] } is exactly a copy of block i.
    const copy = await engine.run(sequences, { blockSequence: [0, { mean: [0] }, 1, 2, 3] });
    expect(copy.tokenLogProbs).toEqual((await engine.run(sequences, { blockSequence: [0, 0, 1, 2, 3] })).tokenLogProbs);
  });

  it('streaming gives the same numbers as resident weights and reads each block once per run', async () => {
    const model = randomModel(config, 7);
    const reads: string[] = [];
    const counting: MemoryModel = {
      ...memoryReader(model.description, model.tensors),
      readTensor: async (name) => (reads.push(name), model.tensors.get(name)!),
    };
    // A 1-byte budget puts every sequence in its own batch: blocks must still be read once.
    const resident = await engineFor(model, false, 1);
    const streaming = await engineFor(counting, true, 1);
    expect(reads).toHaveLength(0);
    for (const blockSequence of [undefined, [0, { mean: [1, 2] }, 3]]) {
      reads.length = 0;
      const a = await resident.run(sequences, { collectStats: true, blockSequence });
      const b = await streaming.run(sequences, { collectStats: true, blockSequence });
      expect(b.tokenLogProbs).toEqual(a.tokenLogProbs);
      expect(b.stats).toEqual(a.stats);
      const blockReads = reads.filter((name) => name.startsWith('model.layers.'));
      // Both sequences use layers 0, 1, 2 and 3 once ([0, mean(1, 2), 3] reads 1 and 2 for the mean).
      expect(blockReads).toHaveLength(4 * blockTensorSpecs(config).length);
      expect(new Set(blockReads).size).toBe(blockReads.length);
    }
  });
});
