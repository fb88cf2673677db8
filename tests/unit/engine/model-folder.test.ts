/**
 * The engine on a real Hugging Face-format folder (written by the test-model generator, read
 * by ModelFolder): bf16 weights in shards, Llama 3.1 layout, GQA, streamed block by block.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { blockTensorName, blockTensorSpecs, modelTensorSpecs } from '../../../src/main/model/tensors.js';
import { randomSequences } from './random-model.js';
import { referenceForward, referenceTokenLogProbs } from './reference-forward.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slayer-engine-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('scores a generated bf16 Llama 3.1-style folder like the float64 reference does', async () => {
  const { dir: modelDir } = await generateTestModel(join(dir, 'model'), {
    llama3: true,
    layers: 2,
    hiddenSize: 32,
    intermediateSize: 64,
    heads: 4,
    kvHeads: 2,
    vocabSize: 300,
    dtype: 'bf16',
    shardBytes: 16 * 1024,
    tokenizer: false,
    seed: 4,
  });
  const folder = await ModelFolder.open(modelDir);
  try {
    const m = folder.description;
    const tensors = new Map<string, Float32Array>();
    for (const spec of modelTensorSpecs(m)) tensors.set(spec.name, await folder.readTensor(spec.name));
    const blocks = [0, 1].map((layer) => new Map(blockTensorSpecs(m).map((s) => [s.name, tensors.get(blockTensorName(layer, s.name))!])));
    const sequences = randomSequences(3, [12, 5, 9], m.vocabSize, 8);

    const engine = await createForwardEngine(folder, { threads: 1, weights: 'streamed' });
    const { tokenLogProbs } = await engine.run(sequences);
    await engine.dispose();
    sequences.forEach((ids, s) => {
      const expected = referenceTokenLogProbs(referenceForward(m, tensors, blocks, ids).logits, ids, m.vocabSize);
      tokenLogProbs[s].forEach((lp, t) => expect(Math.abs(lp - expected[t])).toBeLessThan(1e-5));
    });
  } finally {
    await folder.close();
  }
});
