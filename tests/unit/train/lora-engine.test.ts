/**
 * The training engine's LoRA adapters (graphs/lora.ts, lora-backward.ts) and sequence layouts
 * (loss masks, packed examples) against independent float64 references:
 *   - adapter gradients against central finite differences of the float64 loss with the adapter
 *     path taken literally (reference-lora.ts), with and without dropout, on every projection;
 *   - a zero-initialised B leaves the model's output bit-identical;
 *   - masked prompt targets get no gradient: the gradient equals the finite difference of the loss
 *     over the response targets only, and changing the masked targets' tokens changes nothing;
 *   - examples packed into one row with segment ids give the loss and gradients of the examples
 *     run one by one (each from position 0).
 * Tolerances as in tests/unit/engine/backward.test.ts (float32 engine vs float64 reference).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTrainingEngine, type Parameter, type TrainingEngine } from '../../../src/main/engine/training-engine.js';
import { adapterSpecs, dropoutMask, LORA_MODULE_PATHS, type LoraEngineSettings } from '../../../src/main/engine/lora-adapters.js';
import { seededNormals } from '../../../src/tooling/seeded-normals.js';
import { blockTensorName } from '../../../src/main/model/tensors.js';
import { LORA_TARGETS } from '../../../src/shared/training.js';
import { randomModel, randomSequences, tinyConfig } from '../engine/random-model.js';
import { float64Weights, referenceLoss, targetCount } from '../engine/reference-loss.js';
import { referenceForward, referenceTokenLogProbs } from '../engine/reference-forward.js';
import { referenceLoraLoss, type ReferenceAdapter } from './reference-lora.js';

const STEP = 1e-5;
const TOLERANCE = 2e-5;

const engines: TrainingEngine[] = [];
afterAll(async () => Promise.all(engines.map((e) => e.dispose())));
async function engineFor(...args: Parameters<typeof createTrainingEngine>): Promise<TrainingEngine> {
  const engine = await createTrainingEngine(...args);
  engines.push(engine);
  return engine;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** Central difference of `loss` along `direction` in the float64 array `w`. */
function finiteDifference(loss: () => number, w: Float64Array, direction: ArrayLike<number>): number {
  const original = Float64Array.from(w);
  const at = (sign: number) => {
    for (let i = 0; i < w.length; i++) w[i] = original[i] + sign * STEP * direction[i];
    return loss();
  };
  const up = at(1);
  const down = at(-1);
  w.set(original);
  return (up - down) / (2 * STEP);
}

/** Two random directions and the largest-gradient element, each within TOLERANCE of |g| |d|. */
function checkGradient(p: Parameter, loss: () => number, w: Float64Array, seed: number): void {
  const gradNorm = norm(p.grad);
  expect(gradNorm, `${p.name} has a gradient`).toBeGreaterThan(0);
  const directions: ArrayLike<number>[] = [0, 1].map((k) => seededNormals(seed * 31 + k, p.grad.length, 1));
  let largest = 0;
  for (let i = 1; i < p.grad.length; i++) if (Math.abs(p.grad[i]) > Math.abs(p.grad[largest])) largest = i;
  const unit = new Float64Array(p.grad.length);
  unit[largest] = 1;
  directions.push(unit);
  for (const d of directions) {
    const error = Math.abs(finiteDifference(loss, w, d) - dot(p.grad, d)) / (gradNorm * norm(d));
    expect(error, p.name).toBeLessThan(TOLERANCE);
  }
}

describe('LoRA adapters in the training engine', () => {
  const model = randomModel(tinyConfig({ num_key_value_heads: 2, attention_bias: true }), 11);
  const m = model.description;
  const sequences = randomSequences(3, [7, 5, 3], m.vocabSize, 5);
  const w = 1 / targetCount(sequences);

  /** The engine's adapters with B set to random values (at B = 0 no gradient reaches A), as float64 references. */
  function randomiseB(engine: TrainingEngine, seed: number): Map<string, ReferenceAdapter> {
    const byName = new Map(engine.parameters.map((p) => [p.name, p]));
    const adapters = new Map<string, ReferenceAdapter>();
    for (const p of engine.parameters) {
      if (!p.name.endsWith('lora_B.weight')) continue;
      p.value.set(seededNormals(seed++, p.value.length, 0.3));
      const prefix = p.name.slice(0, -'.lora_B.weight'.length);
      adapters.set(prefix, { a: Float64Array.from(byName.get(`${prefix}.lora_A.weight`)!.value), b: Float64Array.from(p.value) });
    }
    return adapters;
  }

  for (const [label, targets, dropout] of [
    ['q and v (the default)', ['q_proj', 'v_proj'], 0],
    ['every projection', [...LORA_TARGETS], 0],
    ['q, o and down with dropout 0.3', ['q_proj', 'o_proj', 'down_proj'], 0.3],
  ] as const) {
    it(`gradients of A and B match float64 finite differences: ${label}`, async () => {
      const lora: LoraEngineSettings = { rank: 3, alpha: 6, dropout, targets: [...targets], layers: targets.length === 2 ? [0, 2] : [1], seed: 4 };
      const engine = await engineFor(model, { layers: [], globals: false }, { threads: 1, lora });
      expect(engine.parameters.every((p) => /lora_[AB]\.weight$/.test(p.name))).toBe(true);
      expect(engine.parameters.length).toBe(2 * targets.length * lora.layers.length);
      const adapters = randomiseB(engine, 40);
      const key = 7;
      const loss = await engine.accumulateGradients(sequences, w, { dropoutKey: key });
      const specs = adapterSpecs(m, lora);
      const masks = new Map<string, ArrayLike<number>>(
        dropout > 0
          ? sequences.flatMap((ids, s) =>
              specs.map((a) => {
                // One padded batch: row s of the mask the engine fed, cut to this sequence's length.
                const longest = Math.max(...sequences.map((q) => q.length));
                const whole = dropoutMask(lora.seed, key, a, sequences.length, longest, dropout);
                return [`${a.layer}.${a.module}.${s}`, whole.subarray(s * longest * a.in, (s * longest + ids.length) * a.in)] as const;
              }),
            )
          : [],
      );
      const reference = {
        rank: lora.rank,
        scale: lora.alpha / lora.rank,
        adapters,
        mask: (prefix: string, s: number) => masks.get(`${prefix.replace(/^model\.layers\./, '')}.${s}`) ?? null,
      };
      const base = float64Weights(model.tensors);
      const f = () => referenceLoraLoss(m, base, sequences, w, reference);
      expect(Math.abs(loss - f())).toBeLessThan(1e-5 * f());
      for (const p of engine.parameters) {
        const prefix = p.name.replace(/\.lora_[AB]\.weight$/, '');
        const adapter = adapters.get(prefix)!;
        checkGradient(p, f, (p.name.endsWith('lora_A.weight') ? adapter.a : adapter.b) as Float64Array, 3);
      }
    });
  }

  it('a zero-initialised B leaves the output bit-identical, and A starts as PEFT starts it', async () => {
    const lora: LoraEngineSettings = { rank: 4, alpha: 8, dropout: 0, targets: [...LORA_TARGETS], layers: [0, 1, 2], seed: 9 };
    const adapted = await engineFor(model, { layers: [], globals: false }, { threads: 1, lora });
    const plain = await engineFor(model, { layers: [0], globals: false }, { threads: 1 });
    const a = await adapted.evaluate(sequences);
    const b = await plain.evaluate(sequences);
    expect(a.nll).toBe(b.nll);
    expect(a.targets).toBe(b.targets);
    for (const p of adapted.parameters) {
      if (p.name.endsWith('lora_B.weight')) expect(p.value.every((x) => x === 0)).toBe(true);
      else {
        // kaiming_uniform_(a = sqrt(5)): U(-1/sqrt(in), 1/sqrt(in)), so its variance is 1 / (3 in).
        const inDim = p.shape[1];
        const bound = 1 / Math.sqrt(inDim);
        expect(p.value.every((x) => Math.abs(x) <= bound)).toBe(true);
        expect(dot(p.value, p.value) / p.value.length).toBeGreaterThan(0.5 / (3 * inDim));
      }
    }
  });

  it('names adapters as PEFT does, below the model prefix', () => {
    const specs = adapterSpecs(m, { rank: 2, alpha: 2, dropout: 0, targets: ['q_proj', 'down_proj'], layers: [1] });
    expect(specs.map((a) => [a.aName, a.bName])).toEqual([
      ['model.layers.1.self_attn.q_proj.lora_A.weight', 'model.layers.1.self_attn.q_proj.lora_B.weight'],
      ['model.layers.1.mlp.down_proj.lora_A.weight', 'model.layers.1.mlp.down_proj.lora_B.weight'],
    ]);
    expect(LORA_MODULE_PATHS.gate_proj).toBe('mlp.gate_proj');
  });

  it('dropout keeps about 1 - p of the inputs, scaled by 1 / (1 - p), the same for the same key', () => {
    const [a] = adapterSpecs(m, { rank: 2, alpha: 2, dropout: 0.25, targets: ['q_proj'], layers: [0] });
    const mask = dropoutMask(1, 3, a, 4, 50, 0.25);
    const kept = mask.filter((x) => x !== 0);
    // 6400 draws: the kept share's standard deviation is sqrt(0.25 * 0.75 / 6400) = 0.0054.
    expect(Math.abs(kept.length / mask.length - 0.75)).toBeLessThan(0.025);
    expect(kept.every((x) => Math.abs(x - 1 / 0.75) < 1e-6)).toBe(true);
    expect(dropoutMask(1, 3, a, 4, 50, 0.25)).toEqual(mask);
    expect(dropoutMask(1, 4, a, 4, 50, 0.25)).not.toEqual(mask);
  });
});

describe('sequence layouts: loss masks and packed examples', () => {
  const model = randomModel(tinyConfig(), 21);
  const m = model.description;

  it('masked prompt targets get zero gradient: the gradient is that of the response targets alone', async () => {
    const sequences = randomSequences(2, [9, 6], m.vocabSize, 8);
    // Targets 0-3 of the first sequence and 0-1 of the second are prompt tokens.
    const masks = [Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]), Uint8Array.from([0, 0, 1, 1, 1])];
    const kept = masks.reduce((n, mask) => n + mask.reduce((a, b) => a + b, 0), 0);
    const w = 1 / kept;
    const engine = await engineFor(model, { layers: [1], globals: true }, { threads: 1 });
    const layouts = masks.map((targetMask) => ({ targetMask }));
    const loss = await engine.accumulateGradients(sequences, w, { layouts });
    const weights = float64Weights(model.tensors);
    const blocks = () =>
      Array.from(
        { length: m.layers },
        (_, layer) =>
          new Map([...weights].filter(([n]) => n.startsWith(`model.layers.${layer}.`)).map(([n, v]) => [n.replace(/^model\.layers\.\d+\./, ''), v])),
      );
    const f = () => {
      let total = 0;
      sequences.forEach((ids, s) => {
        const { logits } = referenceForward(m, weights, blocks(), ids);
        referenceTokenLogProbs(logits, ids, m.vocabSize).forEach((lp, t) => (total -= masks[s][t] ? w * lp : 0));
      });
      return total;
    };
    expect(Math.abs(loss - f())).toBeLessThan(1e-5 * f());
    for (const name of [
      blockTensorName(1, 'self_attn.q_proj.weight'),
      blockTensorName(1, 'mlp.down_proj.weight'),
      'lm_head.weight',
      'model.embed_tokens.weight',
    ]) {
      checkGradient(
        engine.parameters.find((p) => p.name === name)!,
        f,
        weights.get(name)!,
        5,
      );
    }

    // A sequence whose every target is masked (all prompt) adds nothing: zero loss, zero gradient everywhere.
    engine.zeroGradients();
    const none = await engine.accumulateGradients([sequences[0]], w, { layouts: [{ targetMask: new Uint8Array(8) }] });
    expect(none).toBe(0);
    for (const p of engine.parameters)
      expect(
        p.grad.every((g) => g === 0),
        p.name,
      ).toBe(true);
    // Without the mask the prompt targets count: a different loss.
    engine.zeroGradients();
    expect(Math.abs((await engine.accumulateGradients(sequences, w)) - loss)).toBeGreaterThan(1e-3 * loss);
  });

  it('examples packed into one row (segment ids) give the loss and gradients of the examples one by one', async () => {
    const examples = randomSequences(3, [6, 4, 5], m.vocabSize, 12);
    const packed = examples.flat();
    const segments = Int32Array.from(examples.flatMap((ids, k) => ids.map(() => k)));
    // Targets that would cross from one example into the next are masked, as the instruction packer does.
    const targetMask = Uint8Array.from({ length: packed.length - 1 }, (_, t) => (segments[t] === segments[t + 1] ? 1 : 0));
    const w = 1 / targetCount(examples);
    const whole = await engineFor(model, { layers: [0, 2], globals: false }, { threads: 1 });
    const apart = await engineFor(model, { layers: [0, 2], globals: false }, { threads: 1 });
    const lossPacked = await whole.accumulateGradients([packed], w, { layouts: [{ segments, targetMask }] });
    let lossApart = 0;
    for (const ids of examples) lossApart += await apart.accumulateGradients([ids], w);
    const reference = referenceLoss(m, model.tensors, examples, w);
    expect(Math.abs(lossPacked - reference)).toBeLessThan(1e-5 * reference);
    expect(Math.abs(lossPacked - lossApart)).toBeLessThan(1e-5 * reference);
    whole.parameters.forEach((p, k) => {
      const q = apart.parameters[k];
      const diff = Math.sqrt(p.grad.reduce((s, g, i) => s + (g - q.grad[i]) ** 2, 0));
      expect(diff / norm(q.grad), p.name).toBeLessThan(1e-5);
    });

    // Without the segment ids the examples see each other: a different loss.
    const leaky = await engineFor(model, { layers: [0], globals: false }, { threads: 1 });
    const lossLeaky = await leaky.accumulateGradients([packed], w, { layouts: [{ targetMask }] });
    expect(Math.abs(lossLeaky - reference)).toBeGreaterThan(1e-3 * reference);
    const sums = await whole.evaluate([packed], undefined, [{ segments, targetMask }]);
    expect(sums.targets).toBe(targetCount(examples));
    expect(Math.abs(sums.nll - reference / w)).toBeLessThan(1e-5 * (reference / w));
  });
});
