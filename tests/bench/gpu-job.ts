/**
 * One measurement of the `gpu` bench case, in a process of its own (so that each starts with an
 * empty GPU and its peak memory is its own): forward passes or training steps of a model folder
 * on the CPU or on WebGPU, printed as one JSON line on stdout.
 *
 *   node --import tsx tests/bench/gpu-job.ts '{"model": DIR, "kind": "forward", "provider": "webgpu", ...}'
 *
 * The first pass (or step) is a warm-up (WebGPU compiles its kernels on first use) and is timed
 * apart; tokens/s are of the passes after it.
 */
import { availableParallelism } from 'node:os';
import type { GpuPrecision, TrainingLayout } from '../../src/shared/compute.js';
import { createForwardEngine } from '../../src/main/engine/forward-engine.js';
import { describeGpu } from '../../src/main/engine/gpu-adapter.js';
import { adapterPrecision } from '../../src/main/engine/placement.js';
import { createTrainingEngine } from '../../src/main/engine/training-engine.js';
import { ModelFolder } from '../../src/main/model/folder.js';
import { decays } from '../../src/main/train/optimizer.js';
import { AdamW } from '../../src/main/train/adamw.js';
import { clipGradients } from '../../src/main/train/clipping.js';

export interface GpuJob {
  model: string;
  kind: 'forward' | 'train';
  provider: 'cpu' | 'webgpu';
  precision?: GpuPrecision;
  layout?: TrainingLayout;
  /** forward: sequences per pass; train: sequences per step. */
  sequences: number;
  seqLen: number;
  /** Timed passes or steps after the warm-up. */
  repeats: number;
  /** train: the blocks that train. */
  trainable?: number[];
}

export interface GpuJobResult {
  tokensPerSecond: number;
  warmupSeconds: number;
  seconds: number;
  loadSeconds: number;
  precision: GpuPrecision | null;
  layout: TrainingLayout | null;
  weightBytesOnGpu: number | null;
  /** Host -> GPU bytes while loading, and per pass or step after the warm-up (the most any moved). */
  loadHostToDeviceBytes: number | null;
  perRepeat: { hostToDeviceBytes: number; deviceToHostBytes: number } | null;
}

function sequences(count: number, length: number, vocab: number, seed: number): number[][] {
  return Array.from({ length: count }, (_, s) => Array.from({ length }, (_, t) => (t * 7919 + (s + seed) * 104729) % vocab));
}

async function run(job: GpuJob): Promise<GpuJobResult> {
  const folder = await ModelFolder.open(job.model);
  const m = folder.description;
  const threads = availableParallelism();
  const report = job.provider === 'webgpu' ? await describeGpu() : null;
  const precision = job.provider === 'webgpu' ? (job.precision ?? adapterPrecision(report!.adapter!)) : null;
  const gpu = report?.adapter ? { adapter: report.adapter.name, precision: precision! } : undefined;
  const loadStarted = performance.now();
  try {
    if (job.kind === 'forward') {
      const engine = await createForwardEngine(folder, { provider: job.provider, threads, weights: gpu ? 'streamed' : 'resident-f32', gpu });
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      try {
        const data = sequences(job.sequences, job.seqLen, m.vocabSize, 0);
        let t = performance.now();
        await engine.run(data);
        const warmupSeconds = (performance.now() - t) / 1000;
        const ledger = engine.gpu?.ledger;
        const before = ledger ? { ...ledger.total } : null;
        t = performance.now();
        for (let r = 0; r < job.repeats; r++) await engine.run(data);
        const seconds = (performance.now() - t) / 1000;
        return {
          tokensPerSecond: (job.repeats * job.sequences * job.seqLen) / seconds,
          warmupSeconds,
          seconds,
          loadSeconds,
          precision,
          layout: null,
          weightBytesOnGpu: engine.gpu?.weightBytes ?? null,
          loadHostToDeviceBytes: ledger?.load.hostToDeviceBytes ?? null,
          perRepeat:
            ledger && before
              ? {
                  hostToDeviceBytes: (ledger.total.hostToDeviceBytes - before.hostToDeviceBytes) / job.repeats,
                  deviceToHostBytes: (ledger.total.deviceToHostBytes - before.deviceToHostBytes) / job.repeats,
                }
              : null,
        };
      } finally {
        await engine.dispose();
      }
    }
    const trainable = { layers: job.trainable ?? [], globals: false };
    const engine = await createTrainingEngine(folder, trainable, {
      provider: job.provider,
      threads,
      weights: gpu ? 'streamed' : 'resident-f32',
      gpu: gpu && { ...gpu, layout: job.layout ?? 'device' },
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    try {
      const settings = { optimizer: 'adamw' as const, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, decays };
      const onGpu = await engine.gpu?.createOptimizer(settings);
      const host = onGpu ? null : new AdamW(engine.parameters, settings);
      const data = sequences(job.sequences, job.seqLen, m.vocabSize, 1);
      const step = async () => {
        engine.zeroGradients();
        await engine.accumulateGradients(data, 1 / (job.sequences * (job.seqLen - 1)));
        if (onGpu) {
          await onGpu.clip(1);
          await onGpu.step(1e-4);
        } else {
          clipGradients(engine.parameters, 1);
          host!.step(1e-4);
          await engine.gpu?.syncToDevice();
        }
      };
      let t = performance.now();
      await step();
      const warmupSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      for (let r = 0; r < job.repeats; r++) await step();
      const seconds = (performance.now() - t) / 1000;
      const steps = engine.gpu?.ledger.steps.slice(1) ?? [];
      return {
        tokensPerSecond: (job.repeats * job.sequences * job.seqLen) / seconds,
        warmupSeconds,
        seconds,
        loadSeconds,
        precision,
        layout: engine.gpu?.layout ?? null,
        weightBytesOnGpu: engine.gpu?.weightBytes ?? null,
        loadHostToDeviceBytes: engine.gpu?.ledger.load.hostToDeviceBytes ?? null,
        perRepeat: steps.length
          ? {
              hostToDeviceBytes: Math.max(...steps.map((s) => s.hostToDeviceBytes)),
              deviceToHostBytes: Math.max(...steps.map((s) => s.deviceToHostBytes)),
            }
          : null,
      };
    } finally {
      await engine.dispose();
    }
  } finally {
    await folder.close();
  }
}

const result = await run(JSON.parse(process.argv[2]) as GpuJob);
process.stdout.write(`${JSON.stringify(result)}\n`);
