/**
 * `train` on WebGPU as a user runs it (the memory plan picks the layout and the precision): a few
 * steps in layout (a) and in layout (b) give the CPU's losses within fp16's tolerance (1e-2 on mean
 * NLL; the adapter's precision, fp16 where it has shader-f16); a run stopped on the GPU resumes on
 * the CPU and one stopped on the CPU resumes on the GPU, with the losses of an uninterrupted run;
 * results record where the run went, why, and what crossed the bus.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpuTrainingEstimates } from '../../../src/main/memory/device.js';
import { blockParameters, modelParameters } from '../../../src/main/model/tensors.js';
import { train, TrainingStopped, type TrainOptions, type TrainResult } from '../../../src/main/train/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyModelFolder, writeTokenData } from '../train/helpers.js';
import { gpu, needsGpu } from './gpu-available.js';

const NLL_TOLERANCE = gpu.adapter?.shaderF16 ? 1e-2 : 1e-4;

let dir: string;
let cleanup: () => Promise<void>;
let model: Awaited<ReturnType<typeof tinyModelFolder>>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-gpu-train-'));
  model = await tinyModelFolder(join(dir, 'model'));
  await writeTokenData(
    join(dir, 'data.jsonl'),
    Array.from({ length: 12 }, () => 10),
    53,
    4,
  );
});
afterAll(async () => cleanup());

const options = (out: string, more: Partial<TrainOptions> = {}): TrainOptions => ({
  threads: 1,
  checkpointEvery: 0,
  data: join(dir, 'data.jsonl'),
  out,
  steps: 6,
  batch: 2,
  seqLen: 10,
  lr: 3e-3,
  warmup: 1,
  trainable: [0, 2],
  ...more,
});

function expectSameLosses(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((loss, i) => expect(Math.abs(loss - expected[i]) / expected[i], `step ${i + 1}`).toBeLessThan(NLL_TOLERANCE));
}

/** The GPU memory between what layout (a) and layout (b) need for this run (an fp32 model), so that the plan must take (b). */
function memoryForLayoutB(): number {
  const m = model.description;
  const [a, b] = gpuTrainingEstimates(
    m,
    4,
    {
      layers: m.layers,
      parameters: modelParameters(m),
      trainableParameters: 2 * blockParameters(m),
      lowestTrainable: 0,
      batch: 2,
      seqLen: 10,
      optimizerStates: 2,
    },
    gpu.adapter!.shaderF16 ? 'fp16' : 'fp32',
  );
  return (a.device.totalBytes + b.device.totalBytes) / 2 / 0.9;
}

describe.skipIf(!gpu.adapter)(`train on WebGPU${needsGpu}`, () => {
  let cpu: TrainResult;
  beforeAll(async () => {
    cpu = await train(model.dir, options(join(dir, 'cpu'), { provider: 'cpu' }));
  });

  it('layout (a) and layout (b) give the losses of the CPU; the results say where and why, and what crossed the bus', async () => {
    const a = await train(model.dir, options(join(dir, 'gpu-a'), { provider: 'webgpu' }));
    const b = await train(model.dir, options(join(dir, 'gpu-b'), { provider: 'webgpu', gpuMemoryBytes: memoryForLayoutB() }));
    expect(cpu.memory.placement).toMatchObject({ asked: 'cpu', provider: 'cpu' });
    for (const [run, layout] of [
      [a, 'device'],
      [b, 'offload'],
    ] as const) {
      expect(run.provider).toBe('webgpu');
      expect(run.memory.placement).toMatchObject({ asked: 'webgpu', provider: 'webgpu', layout, adapter: gpu.adapter!.name });
      expect(run.memory.placement!.why).toContain(layout === 'device' ? 'layout (a)' : 'layout (b)');
      expectSameLosses(run.losses, cpu.losses);
      const transfers = run.memory.placement!.transfers!;
      expect(transfers.steps).toBe(6);
      expect(transfers.laterStepsMax!.hostToDeviceBytes).toBeGreaterThan(0);
    }
    // Layout (b) sends the trained blocks' gradients down every step; layout (a) only a few numbers.
    const trained = 2 * blockParameters(model.description);
    expect(b.memory.placement!.transfers!.laterStepsMax!.deviceToHostBytes).toBeGreaterThanOrEqual(4 * trained);
    expect(a.memory.placement!.transfers!.laterStepsMax!.deviceToHostBytes).toBeLessThan(trained);
  });

  it('a run stopped on the GPU resumes on the CPU, and one stopped on the CPU resumes on the GPU, with the losses of an uninterrupted run', async () => {
    for (const [first, then] of [
      ['webgpu', 'cpu'],
      ['cpu', 'webgpu'],
    ] as const) {
      const out = join(dir, `resume-${first}`);
      const stop = new AbortController();
      const stopped = await train(model.dir, options(out, { provider: first }), {
        signal: stop.signal,
        onMetric: (name, step) => name === 'loss' && step === 3 && stop.abort(),
      }).catch((e) => e);
      expect(stopped, first).toBeInstanceOf(TrainingStopped);
      expect((stopped as TrainingStopped).step).toBe(3);
      const resumed = await train(model.dir, options(out, { provider: then, resume: true }));
      expect(resumed.resumedFrom).toBe(3);
      expect(resumed.provider).toBe(then);
      expectSameLosses(resumed.losses, cpu.losses);
    }
  });

  it('auto takes the CPU when the only adapter is a software renderer, and says so', async () => {
    const run = await train(model.dir, options(join(dir, 'auto'), { steps: 1 }));
    if (gpu.adapter!.software) {
      expect(run.memory.placement).toMatchObject({ asked: 'auto', provider: 'cpu' });
      expect(run.memory.placement!.why).toContain('software renderer');
    } else {
      expect(run.memory.placement).toMatchObject({ asked: 'auto', provider: 'webgpu' });
    }
  });
});
