/**
 * The training engine on WebGPU against the CPU engine, in both layouts: (a) everything on the
 * GPU (gradients added up there, read back here only to compare), (b) ZeRO-Offload (gradients
 * come down into the host's arrays). Loss, held-out NLL and every trained tensor's gradient, with
 * the backward, head-loss (all gradients, tied head), embedding scatter-add and row-split head
 * graphs; then the optimizer graphs against the host's AdamW and SGD over several steps with
 * clipping and weight decay; and the transfer ledger of a step in each layout.
 */
import { describe, expect, it } from 'vitest';
import type { TrainingLayout } from '../../../src/shared/compute.js';
import { createTrainingEngine, type TrainableSelection, type TrainingEngine } from '../../../src/main/engine/training-engine.js';
import { blockParameters } from '../../../src/main/model/tensors.js';
import { AdamW } from '../../../src/main/train/adamw.js';
import { clipGradients } from '../../../src/main/train/clipping.js';
import { decays } from '../../../src/main/train/optimizer.js';
import { Sgd } from '../../../src/main/train/sgd.js';
import { randomModel, randomSequences, tinyConfig } from '../engine/random-model.js';
import { relativeError, TOLERANCE } from './compare.js';
import { gpu, needsGpu } from './gpu-available.js';

type Precision = 'fp32' | 'fp16';

const CASES: { name: string; config: Record<string, unknown>; trainable: TrainableSelection; budget?: number }[] = [
  { name: 'middle block, GQA 2:1', config: { num_key_value_heads: 2 }, trainable: { layers: [1], globals: false } },
  {
    name: 'blocks 0 and 2 and the tied embedding, head in row groups',
    config: { tie_word_embeddings: true },
    trainable: { layers: [0, 2], globals: true },
    budget: 1,
  },
];

async function engines(c: (typeof CASES)[number], layout: TrainingLayout, precision: Precision, seed = 3) {
  const model = randomModel(tinyConfig(c.config), seed);
  const options = { threads: 1, activationBudgetBytes: c.budget };
  const cpu = await createTrainingEngine(model, c.trainable, options);
  const device = await createTrainingEngine(model, c.trainable, { ...options, provider: 'webgpu', gpu: { adapter: 'test', precision, layout } });
  return { cpu, device, m: model.description };
}

/** The device engine's gradients on the host: layout (b) has them there; (a) copies them down for the comparison. */
async function deviceGradients(engine: TrainingEngine): Promise<Float32Array[]> {
  if (engine.gpu!.layout === 'offload') return engine.parameters.map((p) => p.grad);
  const optimizer = await engine.gpu!.createOptimizer({ optimizer: 'sgd', beta1: 0, beta2: 0, eps: 0, weightDecay: 0, decays });
  // lr 1, no decay, no clipping: w' = w - g, so g = w - w'.
  const before = engine.parameters.map((p) => p.value.slice());
  await optimizer!.clip(0);
  await optimizer!.step(1);
  await engine.gpu!.syncToHost();
  return engine.parameters.map((p, k) => before[k].map((w, i) => w - p.value[i]));
}

const half = (precision: Precision) => (precision === 'fp16' && !gpu.adapter?.shaderF16 ? ' (skipped: no shader-f16)' : '');

describe.skipIf(!gpu.adapter)(`training engine on WebGPU${needsGpu}`, () => {
  for (const layout of ['device', 'offload'] as const) {
    for (const precision of ['fp32', 'fp16'] as const) {
      it.skipIf(half(precision) !== '')(
        `layout ${layout === 'device' ? '(a)' : '(b)'}, ${precision}: loss, gradients and held-out NLL match the CPU${half(precision)}`,
        async () => {
          // fp16 frozen weights move gradients by about their rounding (~1e-3 relative).
          const gradientTolerance = precision === 'fp32' ? 1e-4 : 2e-2;
          for (const c of CASES) {
            const { cpu, device, m } = await engines(c, layout, precision);
            try {
              const sequences = randomSequences(3, [9, 6, 4], m.vocabSize, 2);
              const w = 1 / 16;
              cpu.zeroGradients();
              device.zeroGradients();
              // Two micro-batches: gradients accumulate (on the GPU in layout (a)).
              const cpuLoss = (await cpu.accumulateGradients(sequences, w)) + (await cpu.accumulateGradients(sequences.slice(1), w));
              const deviceLoss = (await device.accumulateGradients(sequences, w)) + (await device.accumulateGradients(sequences.slice(1), w));
              expect(Math.abs(deviceLoss - cpuLoss) / cpuLoss, c.name).toBeLessThan(TOLERANCE[precision].meanNll);
              const a = await cpu.evaluate(sequences);
              const b = await device.evaluate(sequences);
              expect(b.targets).toBe(a.targets);
              expect(Math.abs(b.nll - a.nll) / a.nll, c.name).toBeLessThan(TOLERANCE[precision].meanNll);
              const grads = await deviceGradients(device);
              cpu.parameters.forEach((p, k) => expect(relativeError([grads[k]], [p.grad]), `${c.name}: ${p.name}`).toBeLessThan(gradientTolerance));
            } finally {
              await Promise.all([cpu.dispose(), device.dispose()]);
            }
          }
        },
      );
    }
  }

  for (const optimizer of ['adamw', 'sgd'] as const) {
    it(`layout (a): ${optimizer} with clipping and weight decay on the GPU follows the host's ${optimizer} over three steps`, async () => {
      const { cpu, device, m } = await engines(CASES[0], 'device', 'fp32', 5);
      try {
        const settings = { optimizer, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decays };
        const host = optimizer === 'adamw' ? new AdamW(cpu.parameters, settings) : new Sgd(cpu.parameters, settings.weightDecay);
        const onDevice = (await device.gpu!.createOptimizer(settings))!;
        const sequences = randomSequences(2, [7, 5], m.vocabSize, 9);
        for (const [step, lr] of [0.05, 0.03, 0.01].entries()) {
          cpu.zeroGradients();
          device.zeroGradients();
          await cpu.accumulateGradients(sequences, 0.5);
          await device.accumulateGradients(sequences, 0.5);
          // A tight limit, so that clipping scales every step.
          const hostNorm = clipGradients(cpu.parameters, 0.05);
          const deviceNorm = await onDevice.clip(0.05);
          expect(Math.abs(deviceNorm - hostNorm) / hostNorm, `step ${step}`).toBeLessThan(1e-4);
          host.step(lr);
          await onDevice.step(lr);
        }
        expect(onDevice.updates).toBe(3);
        await device.gpu!.syncToHost();
        cpu.parameters.forEach((p, k) => expect(relativeError([device.parameters[k].value], [p.value]), p.name).toBeLessThan(1e-4));
        const hostState = host.stateTensors();
        onDevice.stateTensors().forEach((t, k) => {
          expect(t.name).toBe(hostState[k].name);
          expect(relativeError([t.data], [hostState[k].data]), t.name).toBeLessThan(1e-4);
        });
      } finally {
        await Promise.all([cpu.dispose(), device.dispose()]);
      }
    });
  }

  it('the ledger: per step, layout (a) moves only tokens, masks, scalars and norms, layout (b) the trained gradients down and weights up', async () => {
    const steps = async (layout: TrainingLayout, config: Record<string, unknown>) => {
      const model = randomModel(tinyConfig(config), 6);
      const device = await createTrainingEngine(
        model,
        { layers: [1], globals: false },
        { threads: 1, provider: 'webgpu', gpu: { adapter: 'test', precision: 'fp32', layout } },
      );
      try {
        const optimizer = await device.gpu!.createOptimizer({ optimizer: 'adamw', beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decays });
        const sequences = randomSequences(2, [8, 8], model.description.vocabSize, 4);
        for (let step = 0; step < 3; step++) {
          device.zeroGradients();
          await device.accumulateGradients(sequences, 1 / 14);
          if (optimizer) {
            await optimizer.clip(1);
            await optimizer.step(1e-3);
          } else {
            await device.gpu!.syncToDevice(); // what the trainer does after the host's update
          }
        }
        return { ledger: device.gpu!.ledger, trained: blockParameters(model.description) };
      } finally {
        await device.dispose();
      }
    };
    const small = await steps('device', { num_hidden_layers: 3 });
    const large = await steps('device', { num_hidden_layers: 5, hidden_size: 64, intermediate_size: 96 });
    expect(large.trained).toBeGreaterThan(3 * small.trained);
    for (const { ledger } of [small, large]) expect(ledger.steps).toHaveLength(3);
    // After the first step, what goes up does not grow with the model: the same for both sizes, and far below one weight copy.
    const later = (l: typeof small.ledger) => l.steps.slice(1).map((s) => s.hostToDeviceBytes);
    expect(later(large.ledger)).toEqual(later(small.ledger));
    expect(Math.max(...later(small.ledger))).toBeLessThan(4 * small.trained);
    // What comes down: the loss and one sum of squares per trained tensor.
    expect(large.ledger.steps[1].deviceToHostBytes).toBe(small.ledger.steps[1].deviceToHostBytes);

    const offload = await steps('offload', { num_hidden_layers: 3 });
    const first = offload.ledger.steps[1];
    expect(first.deviceToHostBytes).toBe(4 * offload.trained + 4); // fp32 gradients and the loss
    expect(first.hostToDeviceBytes - later(small.ledger)[0]).toBeGreaterThanOrEqual(4 * offload.trained - 64); // the updated weights (fp32 here)
  });
});
