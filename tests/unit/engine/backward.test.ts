/**
 * Gradients of the training engine (hand-written ONNX backward graphs) against central finite
 * differences of an independent float64 loss, for every trainable tensor kind: every block
 * weight and bias (norms, q/k/v biases, o_proj's bias, MLP biases), GQA, llama3 rope with head_dim != hidden /
 * heads, tied and untied heads, the embedding; with padded batches of mixed lengths.
 *
 * Tolerance: the engine computes in float32, whose rounding (~6e-8 relative per operation)
 * accumulates over a few hundred operations between loss and weight; float64 finite differences
 * with step 1e-5 are exact to ~1e-10. Measured errors are at most 1.5e-6 of the gradient's scale
 * |g| |d|; the bound is 2e-5. A wrong term shows well above it: turning the rotary gradient back
 * the wrong way (sin not negated) already fails the embedding with 3e-4.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTrainingEngine, type Parameter, type TrainingEngine } from '../../../src/main/engine/training-engine.js';
import { seededNormals } from '../../../src/tooling/seeded-normals.js';
import { blockTensorName, blockTensorSpecs } from '../../../src/main/model/tensors.js';
import { memoryReader, randomModel, randomSequences, seededRandom, tinyConfig } from './random-model.js';
import { float64Weights, referenceLoss, targetCount } from './reference-loss.js';

const STEP = 1e-5;
const TOLERANCE = 2e-5;

const VARIANTS: { name: string; config: Record<string, unknown> }[] = [
  { name: 'Llama, multi-head, untied head', config: {} },
  {
    name: 'Qwen2: GQA 2:1, q/k/v biases, tied embeddings',
    config: { architectures: ['Qwen2ForCausalLM'], num_key_value_heads: 2, tie_word_embeddings: true, rope_theta: 1000000 },
  },
  {
    name: 'Llama 3.1: llama3 rope, head_dim 10 != hidden/heads, GQA 4:1, attention biases (q/k/v and o_proj) and MLP biases',
    config: {
      hidden_size: 24,
      head_dim: 10,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      attention_bias: true,
      mlp_bias: true,
      rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 256 },
    },
  },
];

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Central difference of the loss along `direction` in the tensor `name`. */
function finiteDifference(loss: () => number, weights: Map<string, Float64Array>, name: string, direction: ArrayLike<number>): number {
  const w = weights.get(name)!;
  const original = Float64Array.from(w);
  const at = (sign: number): number => {
    for (let i = 0; i < w.length; i++) w[i] = original[i] + sign * STEP * direction[i];
    return loss();
  };
  const up = at(1);
  const down = at(-1);
  w.set(original);
  return (up - down) / (2 * STEP);
}

/**
 * Per tensor: two random directions (every element at once) and the largest-gradient element
 * plus two random elements (a wrong index shows there), each within TOLERANCE of the gradient's
 * scale |g| |d|.
 */
function checkGradients(parameters: readonly Parameter[], loss: () => number, weights: Map<string, Float64Array>, seed: number): void {
  const random = seededRandom(seed);
  for (const p of parameters) {
    const gradNorm = norm(p.grad);
    expect(gradNorm, `${p.name} has a gradient`).toBeGreaterThan(0);
    const directions: Float64Array[] = [0, 1].map((k) => Float64Array.from(seededNormals(seed * 31 + k, p.grad.length, 1)));
    let largest = 0;
    for (let i = 1; i < p.grad.length; i++) if (Math.abs(p.grad[i]) > Math.abs(p.grad[largest])) largest = i;
    for (const i of [largest, Math.floor(random() * p.grad.length), Math.floor(random() * p.grad.length)]) {
      const unit = new Float64Array(p.grad.length);
      unit[i] = 1;
      directions.push(unit);
    }
    for (const d of directions) {
      const error = Math.abs(finiteDifference(loss, weights, p.name, d) - dot(p.grad, d)) / (gradNorm * norm(d));
      expect(error, `${p.name}`).toBeLessThan(TOLERANCE);
    }
  }
}

describe.each(VARIANTS)('training engine gradients vs float64 finite differences: $name', ({ config }) => {
  const model = randomModel(tinyConfig(config), 5);
  const m = model.description;
  const sequences = randomSequences(3, [9, 5, 3], m.vocabSize, 3);
  const w = 1 / targetCount(sequences);
  const engines: TrainingEngine[] = [];
  afterAll(async () => Promise.all(engines.map((e) => e.dispose())));

  it('every tensor of every block, the embedding, final norm and head', async () => {
    const engine = await createTrainingEngine(model, { layers: [0, 1, 2], globals: true }, { threads: 1 });
    engines.push(engine);
    const loss = await engine.accumulateGradients(sequences, w);
    const weights = float64Weights(model.tensors);
    const reference = () => referenceLoss(m, weights, sequences, w);
    expect(Math.abs(loss - reference())).toBeLessThan(1e-5 * reference());
    const expectedCount = 3 * blockTensorSpecs(m).length + (m.tiedEmbeddings ? 2 : 3);
    expect(engine.parameters.length).toBe(expectedCount);
    checkGradients(engine.parameters, reference, weights, 17);
  });

  it('frozen blocks above and below a trained one: the same gradient for it, nothing for the rest', async () => {
    const all = await createTrainingEngine(model, { layers: [0, 1, 2], globals: true }, { threads: 1 });
    const middle = await createTrainingEngine(model, { layers: [1], globals: false }, { threads: 1 });
    engines.push(all, middle);
    await all.accumulateGradients(sequences, w);
    await middle.accumulateGradients(sequences, w);
    expect(middle.parameters.map((p) => p.name)).toEqual(blockTensorSpecs(m).map((s) => blockTensorName(1, s.name)));
    for (const p of middle.parameters) {
      const full = all.parameters.find((q) => q.name === p.name)!;
      const diff = Math.sqrt(p.grad.reduce((s, g, i) => s + (g - full.grad[i]) ** 2, 0));
      expect(diff / norm(full.grad), p.name).toBeLessThan(1e-6);
    }
  });
});

describe('training engine behaviour', () => {
  const model = randomModel(tinyConfig(), 9);
  const m = model.description;
  const sequences = randomSequences(4, [8, 8, 6, 2], m.vocabSize, 4);
  const w = 1 / targetCount(sequences);

  it('a freshly zeroed block (LLaMA Pro init) gets gradient only in o_proj and down_proj at step 0', async () => {
    const tensors = new Map(model.tensors);
    for (const suffix of ['self_attn.o_proj.weight', 'mlp.down_proj.weight']) {
      tensors.set(blockTensorName(1, suffix), new Float32Array(model.tensors.get(blockTensorName(1, suffix))!.length));
    }
    const engine = await createTrainingEngine(memoryReader(m, tensors), { layers: [1], globals: false }, { threads: 1 });
    try {
      await engine.accumulateGradients(sequences, w);
      for (const p of engine.parameters) {
        const nonZero = p.grad.some((g) => g !== 0);
        expect(nonZero, p.name).toBe(p.name.endsWith('o_proj.weight') || p.name.endsWith('down_proj.weight'));
      }
    } finally {
      await engine.dispose();
    }
  });

  it('with o_proj.bias (attention_bias: true), a zeroed new block gets gradient only in its residual outputs at step 0', async () => {
    const biased = randomModel(tinyConfig({ attention_bias: true }), 9);
    const tensors = new Map(biased.tensors);
    const residual = ['self_attn.o_proj.weight', 'self_attn.o_proj.bias', 'mlp.down_proj.weight'];
    for (const suffix of residual) tensors.set(blockTensorName(1, suffix), new Float32Array(biased.tensors.get(blockTensorName(1, suffix))!.length));
    const engine = await createTrainingEngine(memoryReader(biased.description, tensors), { layers: [1], globals: false }, { threads: 1 });
    try {
      await engine.accumulateGradients(sequences, w);
      for (const p of engine.parameters) {
        expect(
          p.grad.some((g) => g !== 0),
          p.name,
        ).toBe(residual.some((suffix) => p.name.endsWith(suffix)));
      }
    } finally {
      await engine.dispose();
    }
  });

  it('the head in several calls (small activation budget) gives the same loss and gradients as in one', async () => {
    const whole = await createTrainingEngine(model, { layers: [2], globals: true }, { threads: 1 });
    const pieces = await createTrainingEngine(model, { layers: [2], globals: true }, { threads: 1, activationBudgetBytes: 1 });
    try {
      const a = await whole.accumulateGradients(sequences, w);
      const b = await pieces.accumulateGradients(sequences, w);
      expect(Math.abs(a - b)).toBeLessThan(1e-6);
      whole.parameters.forEach((p, k) => {
        const q = pieces.parameters[k];
        const diff = Math.sqrt(p.grad.reduce((s, g, i) => s + (g - q.grad[i]) ** 2, 0));
        expect(diff / norm(p.grad), p.name).toBeLessThan(1e-6);
      });
    } finally {
      await Promise.all([whole.dispose(), pieces.dispose()]);
    }
  });

  it('evaluate: mean NLL of held-out sequences equals the reference', async () => {
    const engine = await createTrainingEngine(model, { layers: [0], globals: false }, { threads: 1 });
    try {
      const sums = await engine.evaluate(sequences);
      expect(sums.targets).toBe(targetCount(sequences));
      const expected = referenceLoss(m, model.tensors, sequences, 1);
      expect(Math.abs(sums.nll - expected)).toBeLessThan(1e-5 * expected);
    } finally {
      await engine.dispose();
    }
  });
});
