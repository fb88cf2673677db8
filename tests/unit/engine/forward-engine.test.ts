/**
 * The ONNX forward engine against the float64 reference forward, across the model variants the
 * product supports, with batches of mixed lengths (right padding).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createForwardEngine, type BlockStats, type ForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { blockTensorName, blockTensorSpecs } from '../../../src/main/model/tensors.js';
import type { ModelDescription } from '../../../src/shared/model.js';
import { randomModel, randomSequences, tinyConfig, type MemoryModel } from './random-model.js';
import { referenceCosines, referenceForward, referenceTokenLogProbs } from './reference-forward.js';

const TOLERANCE = 1e-5;

/** |a - b| <= tol * max(1, |b|): absolute near zero, relative for large values. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = TOLERANCE): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  expect(worst, what).toBeLessThanOrEqual(tol);
}

function blockMaps(model: MemoryModel, layers: readonly number[]): Map<string, Float32Array>[] {
  return layers.map((layer) => new Map(blockTensorSpecs(model.description).map((s) => [s.name, model.tensors.get(blockTensorName(layer, s.name))!])));
}

/** Reference statistics per block from the float64 hidden states of every sequence. */
function referenceStats(m: ModelDescription, states: Float64Array[][]): BlockStats[] {
  const blocks = states[0].length - 1;
  return Array.from({ length: blocks }, (_, k) => {
    let lastAngle = 0;
    let angle = 0;
    let cosine = 0;
    let tokens = 0;
    for (const seqStates of states) {
      const cos = referenceCosines(seqStates[k], seqStates[k + 1], m.hiddenSize);
      const angles = cos.map((c) => Math.acos(Math.min(1, Math.max(-1, c))) / Math.PI);
      lastAngle += angles[angles.length - 1];
      angle += angles.reduce((a, b) => a + b, 0);
      cosine += cos.reduce((a, b) => a + b, 0);
      tokens += cos.length;
    }
    return { angularLast: lastAngle / states.length, angularMean: angle / tokens, blockInfluence: 1 - cosine / tokens };
  });
}

const VARIANTS: { name: string; config: Record<string, unknown> }[] = [
  { name: 'Llama, multi-head, untied', config: {} },
  {
    name: 'Qwen2: GQA, q/k/v biases, tied embeddings',
    config: { architectures: ['Qwen2ForCausalLM'], num_key_value_heads: 2, tie_word_embeddings: true, rope_theta: 1000000 },
  },
  {
    name: 'Llama 3.1: llama3 rope, head_dim != hidden/heads, GQA 4:1, mlp and attention biases',
    config: {
      hidden_size: 24,
      head_dim: 10,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      attention_bias: true,
      mlp_bias: true,
      rope_theta: 500000,
      // An original context of 256 puts the 5 frequencies of a 10-wide head in all three bands (wavelengths 6, 87, 1197, ... vs 64 and 256).
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 256 },
    },
  },
];

describe.each(VARIANTS)('forward engine vs float64 reference: $name', ({ config }) => {
  const model = randomModel(tinyConfig(config), 11);
  const m = model.description;
  const sequences = randomSequences(4, [9, 4, 13, 1], m.vocabSize);
  const reference = sequences.map((ids) => referenceForward(m, model.tensors, blockMaps(model, [0, 1, 2]), ids));
  const engines: ForwardEngine[] = [];
  afterAll(async () => Promise.all(engines.map((e) => e.dispose())));

  it('matches logits, per-token log-probs and block statistics (one padded batch and many small ones)', async () => {
    // A budget below one sequence's needs forces one sequence per batch.
    for (const activationBudgetBytes of [undefined, 1]) {
      const engine = await createForwardEngine(model, { threads: 1, activationBudgetBytes });
      engines.push(engine);
      const logits = await engine.logits(sequences);
      sequences.forEach((_, s) => expectClose(logits[s], reference[s].logits, `logits of sequence ${s}`));

      const { tokenLogProbs, stats } = await engine.run(sequences, { collectStats: true });
      sequences.forEach((ids, s) => {
        expect(tokenLogProbs[s].length).toBe(ids.length - 1);
        expectClose(tokenLogProbs[s], referenceTokenLogProbs(reference[s].logits, ids, m.vocabSize), `log-probs of sequence ${s}`);
      });
      const expected = referenceStats(
        m,
        reference.map((r) => r.states),
      );
      expect(stats).toHaveLength(m.layers);
      stats!.forEach((st, k) => {
        expectClose(
          [st.angularLast, st.angularMean, st.blockInfluence],
          [expected[k].angularLast, expected[k].angularMean, expected[k].blockInfluence],
          `stats of block ${k}`,
        );
      });
    }
  });
});

it('log-probs stay finite and exact when logits are in the hundreds (no exp overflow)', async () => {
  const model = randomModel(tinyConfig(), 12);
  const m = model.description;
  const head = model.tensors.get('lm_head.weight')!;
  head.forEach((w, i) => (head[i] = w * 500));
  const sequences = randomSequences(2, [6, 3], m.vocabSize, 5);
  const engine = await createForwardEngine(model, { threads: 1 });
  const { tokenLogProbs } = await engine.run(sequences);
  await engine.dispose();
  sequences.forEach((ids, s) => {
    const reference = referenceForward(m, model.tensors, blockMaps(model, [0, 1, 2]), ids);
    expect(Math.max(...reference.logits.map(Math.abs))).toBeGreaterThan(100);
    // Scaling the head by 500 scales float32 rounding of the final state with it: 1e-4, not 1e-5.
    expectClose(tokenLogProbs[s], referenceTokenLogProbs(reference.logits, ids, m.vocabSize), `log-probs of sequence ${s}`, 1e-4);
  });
});

describe('o_proj.bias (Llama with attention_bias: true)', () => {
  const config = tinyConfig({ attention_bias: true, num_key_value_heads: 2 });

  it('is a tensor of the model only for Llama: Qwen2 biases q/k/v alone', () => {
    expect(blockTensorSpecs(config).find((s) => s.name === 'self_attn.o_proj.bias')?.shape).toEqual([config.hiddenSize]);
    const qwen = tinyConfig({ architectures: ['Qwen2ForCausalLM'] });
    expect(qwen.attentionBias).toBe(true);
    expect(blockTensorSpecs(qwen).some((s) => s.name === 'self_attn.o_proj.bias')).toBe(false);
  });

  it('enters the forward pass as in the float64 reference, and leaving it out would be measurably wrong', async () => {
    // A bias of norm comparable to the block's output, so that ignoring it cannot hide in float noise.
    const model = randomModel(config, 13, 0.15);
    const m = model.description;
    const sequences = randomSequences(3, [7, 12, 2], m.vocabSize, 9);
    const engine = await createForwardEngine(model, { threads: 1 });
    const logits = await engine.logits(sequences).finally(() => engine.dispose());
    const withoutBias = new Map(model.tensors);
    for (let layer = 0; layer < m.layers; layer++) withoutBias.delete(blockTensorName(layer, 'self_attn.o_proj.bias'));
    sequences.forEach((ids, s) => {
      const expected = referenceForward(m, model.tensors, blockMaps(model, [0, 1, 2]), ids).logits;
      expectClose(logits[s], expected, `logits of sequence ${s}`);
      // The reference without o_proj.bias (what the engine computed before it read the bias) is far off.
      const blocksWithout = [0, 1, 2].map((layer) => {
        const b = blockMaps(model, [layer])[0];
        b.delete('self_attn.o_proj.bias');
        return b;
      });
      const ignored = referenceForward(m, withoutBias, blocksWithout, ids).logits;
      const gap = Math.max(...ignored.map((x, i) => Math.abs(x - expected[i])));
      expect(gap).toBeGreaterThan(1e-2);
    });
  });
});
