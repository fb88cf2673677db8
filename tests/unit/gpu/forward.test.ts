/**
 * The device-resident forward engine (WebGPU) against the CPU engine on small generated models:
 * the embedding, block, statistics and head graphs, padded batches of mixed lengths, GQA, biases,
 * tied heads, span statistics and blocks averaged on the GPU (the insert probe). fp32 matches to
 * 1e-4 of the values' scale; fp16 to 2e-2 on logits and 1e-2 on mean NLL (the CPU engine is fp32,
 * itself checked against a float64 reference in tests/unit/engine).
 */
import { describe, expect, it } from 'vitest';
import { createForwardEngine, type ForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { modelParameters } from '../../../src/main/model/tensors.js';
import { randomModel, randomSequences, tinyConfig } from '../engine/random-model.js';
import { meanNll, relativeError, TOLERANCE } from './compare.js';
import { gpu, needsGpu } from './gpu-available.js';

const VARIANTS: { name: string; config: Record<string, unknown> }[] = [
  { name: 'Llama, GQA 2:1, untied head', config: { num_key_value_heads: 2 } },
  {
    name: 'Qwen2: q/k/v biases, tied embeddings',
    config: { architectures: ['Qwen2ForCausalLM'], num_key_value_heads: 2, tie_word_embeddings: true, rope_theta: 1000000 },
  },
];
const BLOCKS = [0, { mean: [1, 2] }, 2];

async function withEngines<T>(model: ReturnType<typeof randomModel>, precision: 'fp32' | 'fp16', use: (cpu: ForwardEngine, gpu: ForwardEngine) => Promise<T>) {
  const cpu = await createForwardEngine(model, { threads: 1 });
  const device = await createForwardEngine(model, { threads: 1, provider: 'webgpu', gpu: { adapter: 'test', precision } });
  try {
    return await use(cpu, device);
  } finally {
    await Promise.all([cpu.dispose(), device.dispose()]);
  }
}

describe.skipIf(!gpu.adapter)(`forward engine on WebGPU${needsGpu}`, () => {
  for (const precision of ['fp32', 'fp16'] as const) {
    const noHalf = precision === 'fp16' && !gpu.adapter?.shaderF16;
    it.skipIf(noHalf)(
      `${precision}: log-probs, logits, statistics, spans and averaged blocks match the CPU${noHalf ? ' (skipped: no shader-f16)' : ''}`,
      async () => {
        const tolerance = TOLERANCE[precision];
        for (const v of VARIANTS) {
          const m = tinyConfig(v.config);
          const model = randomModel(m, 3);
          const sequences = randomSequences(5, [9, 6, 3], m.vocabSize, 2);
          await withEngines(model, precision, async (cpu, device) => {
            expect(device.provider).toBe('webgpu');
            const options = { collectStats: true, spans: [2], blockSequence: BLOCKS };
            const [a, b] = [await cpu.run(sequences, options), await device.run(sequences, options)];
            expect(Math.abs(meanNll(b.tokenLogProbs) - meanNll(a.tokenLogProbs)) / meanNll(a.tokenLogProbs), v.name).toBeLessThan(tolerance.meanNll);
            expect(relativeError(b.tokenLogProbs, a.tokenLogProbs), v.name).toBeLessThan(tolerance.values);
            const stats = (s: typeof a) => [...s.stats!, ...s.spans![0].stats].map((x) => [x.angularLast, x.angularMean, x.blockInfluence]);
            expect(relativeError(stats(b), stats(a)), v.name).toBeLessThan(tolerance.values);
            expect(relativeError(await device.logits(sequences), await cpu.logits(sequences)), v.name).toBeLessThan(tolerance.values);
          });
        }
      },
    );
  }

  it('copies the weights to the GPU once per job; a run sends only tokens and masks up and log-probabilities down', async () => {
    const m = tinyConfig();
    const model = randomModel(m, 4);
    const sequences = randomSequences(4, [8, 5], m.vocabSize, 3);
    await withEngines(model, 'fp32', async (_cpu, device) => {
      const ledger = device.gpu!.ledger;
      expect(ledger.load.hostToDeviceBytes).toBe(4 * modelParameters(m));
      expect(device.gpu!.weightBytes).toBe(4 * modelParameters(m));
      const before = { ...ledger.total };
      await device.run(sequences);
      const up = ledger.total.hostToDeviceBytes - before.hostToDeviceBytes;
      const down = ledger.total.deviceToHostBytes - before.deviceToHostBytes;
      const tokens = 4 * 8; // padded: two batches' worth at most
      // token ids and targets (int64), masks (bool), the rotary tables (fp32, once per length)
      expect(up).toBeLessThanOrEqual(tokens * (8 + 8 + 1) + 2 * 2 * 8 * (m.headDim / 2) * 4);
      expect(down).toBe(4 * tokens); // one float per position, padding included
      await device.run(sequences);
      expect(ledger.load.hostToDeviceBytes).toBe(4 * modelParameters(m));
    });
  });
});
