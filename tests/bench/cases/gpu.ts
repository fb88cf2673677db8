/**
 * The GPU against the CPU (`npm run bench -- gpu`): forward tokens/s, and the time and tokens/s
 * of a training step (AdamW, the blocks an S plan would train), on the CPU and on WebGPU in fp32
 * and, where the adapter has shader-f16, fp16; training in layout (a) (everything on the GPU)
 * and layout (b) (ZeRO-Offload: trained masters and AdamW on the host). Beside each: the bytes
 * the transfer ledger counted host -> GPU and GPU -> host per pass or step (after the warm-up),
 * the weights uploaded once, the peak resident memory of the process and, on NVIDIA, the peak
 * GPU memory nvidia-smi saw while it ran (WebGPU itself reports none).
 *
 * Models: the bundled demo model (4M parameters) everywhere; on a hardware adapter also a
 * TinyLlama-1.1B-shaped and a Llama-2-7B-shaped bf16 model (random weights: the shapes, bytes
 * and memory are real, the numbers they compute mean nothing), written under a temporary folder
 * and deleted afterwards. A software adapter (llvmpipe) runs the demo model only: it exists to
 * test the graphs, not to be fast. SLAYER_BENCH_GPU_MODELS=demo,tinyllama-1.1b,llama-2-7b picks
 * them by hand. Each job runs in its own process (tests/bench/gpu-job.ts), so that each starts
 * with an empty GPU and its peaks are its own; a job whose GPU or host memory estimate
 * (src/main/memory) does not fit, or whose model would not fit the disk, is skipped with the
 * reason, and one that runs past its time limit is stopped and reported so.
 */
import { readFile, rm, statfs } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { freemem, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { GpuAdapter, GpuPrecision, TrainingLayout } from '../../../src/shared/compute.js';
import type { GpuEstimate } from '../../../src/shared/memory.js';
import type { ModelDescription } from '../../../src/shared/model.js';
import { describeGpu } from '../../../src/main/engine/gpu-adapter.js';
import { gpuForwardEstimate, gpuTrainingEstimates, judgeGpu } from '../../../src/main/memory/device.js';
import { machineMemory } from '../../../src/main/memory/machine.js';
import { parseModelConfig } from '../../../src/main/model/config.js';
import { blockParameters, modelParameters } from '../../../src/main/model/tensors.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { tempDir } from '../../helpers/tmp.js';
import type { GpuJob, GpuJobResult } from '../gpu-job.js';
import { runMeasured } from '../measure.js';
import { LLAMA2_7B, TINYLLAMA, writeModel } from './scale.js';

const GB = 2 ** 30;

interface BenchModel {
  name: string;
  /** A model folder, or a config to write as a bf16 model. */
  dir?: string;
  config?: () => Promise<Record<string, unknown>>;
  /** Sequences per forward pass and per training step, and their length. */
  forward: { sequences: number; seqLen: number };
  train: { sequences: number; seqLen: number };
  repeats: number;
  /** Per job, in seconds (start-up, loading and the warm-up included). */
  limitSeconds: number;
}

const MODELS: BenchModel[] = [
  { name: 'demo', dir: 'resources/demo/model', forward: { sequences: 4, seqLen: 128 }, train: { sequences: 2, seqLen: 128 }, repeats: 3, limitSeconds: 300 },
  {
    name: 'tinyllama-1.1b',
    config: async () => TINYLLAMA,
    forward: { sequences: 8, seqLen: 512 },
    train: { sequences: 2, seqLen: 512 },
    repeats: 3,
    limitSeconds: 900,
  },
  {
    name: 'llama-2-7b',
    config: async () => JSON.parse(await readFile(LLAMA2_7B, 'utf8')) as Record<string, unknown>,
    forward: { sequences: 4, seqLen: 512 },
    train: { sequences: 1, seqLen: 512 },
    repeats: 2,
    limitSeconds: 1800,
  },
];

interface Variant {
  provider: 'cpu' | 'webgpu';
  precision?: GpuPrecision;
  layout?: TrainingLayout;
}

type Outcome = (GpuJobResult & { peakRssGB: number; peakGpuMemoryGB: number | null }) | { skipped: string } | { failed: string };

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The blocks the default S plan of this model trains, as indices of the model itself. */
function trainedBlocks(m: ModelDescription): number[] {
  const plan = makePlan(m, { strategy: 's' });
  return plan.layers.filter((l) => l.trainable && l.index < m.layers).map((l) => l.index);
}

/** Why a job would not fit (its memory estimate against the GPU's and the host's), or null. */
function wontFit(
  m: ModelDescription,
  adapter: GpuAdapter | null,
  kind: GpuJob['kind'],
  v: Variant,
  shape: { sequences: number; seqLen: number },
  trained: number[],
): string | null {
  const machine = machineMemory();
  if (v.provider === 'cpu') {
    // fp32 weights held resident; training adds fp32 masters' gradients and two AdamW moments.
    const need = 4 * modelParameters(m) + (kind === 'train' ? 12 * trained.length * blockParameters(m) : 0) + GB;
    return need > 0.8 * machine.freeBytes ? `the CPU job needs about ${round(need / GB, 1)} GB, ${round(machine.freeBytes / GB, 1)} GB are free` : null;
  }
  if (!adapter) return 'no GPU';
  let estimate: GpuEstimate;
  if (kind === 'forward') estimate = gpuForwardEstimate(m, 2, shape, v.precision!);
  else {
    const estimates = gpuTrainingEstimates(
      m,
      2,
      {
        layers: m.layers,
        parameters: modelParameters(m),
        trainableParameters: trained.length * blockParameters(m),
        lowestTrainable: Math.min(...trained),
        batch: shape.sequences,
        seqLen: shape.seqLen,
        optimizerStates: 2,
      },
      v.precision!,
    );
    estimate = estimates.find((e) => e.layout === v.layout)!;
  }
  const judged = judgeGpu([estimate], adapter.memory, machine);
  if (judged.chosen) return null;
  return `needs ${round(estimate.device.totalBytes / GB, 1)} GB on the GPU (${round((judged.budgetBytes ?? 0) / GB, 1)} GB usable) and ${round(estimate.host.totalBytes / GB, 1)} GB of host memory`;
}

/** Peak GPU memory in use while `work` runs, above what was in use before (nvidia-smi, every 200 ms); null elsewhere. */
async function nvidiaPeak<T>(adapter: GpuAdapter | null, work: () => Promise<T>): Promise<{ result: T; peakBytes: number | null }> {
  if (adapter?.vendor !== 'nvidia') return { result: await work(), peakBytes: null };
  const used = () =>
    new Promise<number>((resolve) =>
      execFile('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { timeout: 5000 }, (error, stdout) =>
        resolve(error ? NaN : Number(stdout.split('\n')[0]) * 2 ** 20),
      ),
    );
  const before = await used();
  let peak = before;
  const timer = setInterval(() => void used().then((b) => (peak = Math.max(peak, b || 0))), 200);
  try {
    const result = await work();
    return { result, peakBytes: Number.isFinite(before) ? peak - before : null };
  } finally {
    clearInterval(timer);
  }
}

async function runJob(job: GpuJob, limitSeconds: number, adapter: GpuAdapter | null): Promise<Outcome> {
  const args = [String(limitSeconds), 'node', '--import', 'tsx', 'tests/bench/gpu-job.ts', JSON.stringify(job)];
  const { result: r, peakBytes } = await nvidiaPeak(adapter, () => runMeasured('timeout', args));
  if (r.code === 124) return { failed: `stopped after ${limitSeconds} s` };
  if (r.code !== 0) return { failed: r.stderr.trim().split('\n').pop() ?? `exit code ${r.code}` };
  const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as GpuJobResult;
  return { ...result, peakRssGB: round(r.peakRssBytes / GB), peakGpuMemoryGB: peakBytes === null ? null : round(peakBytes / GB) };
}

function label(kind: GpuJob['kind'], v: Variant): string {
  if (v.provider === 'cpu') return `${kind} cpu`;
  return `${kind} webgpu ${v.precision}${v.layout ? ` layout (${v.layout === 'device' ? 'a' : 'b'})` : ''}`;
}

/** Figures in the units the report reads: tokens/s, step seconds, MB per step. */
function summary(kind: GpuJob['kind'], o: Outcome, tokensPerRepeat: number): Record<string, unknown> {
  if ('skipped' in o || 'failed' in o) return o;
  const MB = 2 ** 20;
  return {
    tokensPerSecond: round(o.tokensPerSecond, 1),
    ...(kind === 'train' ? { stepSeconds: round(tokensPerRepeat / o.tokensPerSecond, 3) } : {}),
    warmupSeconds: round(o.warmupSeconds),
    loadSeconds: round(o.loadSeconds),
    ...(o.precision ? { weightsOnGpuMB: round(o.weightBytesOnGpu! / MB, 1), uploadedOnceMB: round(o.loadHostToDeviceBytes! / MB, 1) } : {}),
    ...(o.perRepeat
      ? {
          [kind === 'train' ? 'perStep' : 'perPass']: {
            hostToDeviceBytes: o.perRepeat.hostToDeviceBytes,
            deviceToHostBytes: o.perRepeat.deviceToHostBytes,
          },
        }
      : {}),
    peakRssGB: o.peakRssGB,
    ...(o.peakGpuMemoryGB !== null ? { peakGpuMemoryGB: o.peakGpuMemoryGB } : {}),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const load = loadavg().map((x) => round(x));
  const report = await describeGpu();
  const adapter = report.adapter;
  const wanted = process.env.SLAYER_BENCH_GPU_MODELS?.split(',').map((s) => s.trim());
  const models = MODELS.filter((m) => (wanted ? wanted.includes(m.name) : m.name === 'demo' || (adapter !== null && !adapter.software)));
  const precisions: GpuPrecision[] = adapter?.shaderF16 ? ['fp32', 'fp16'] : ['fp32'];
  const forwardVariants: Variant[] = [{ provider: 'cpu' }, ...(adapter ? precisions.map((precision) => ({ provider: 'webgpu' as const, precision })) : [])];
  const trainVariants: Variant[] = [
    { provider: 'cpu' },
    ...(adapter
      ? (['device', 'offload'] as const).flatMap((layout) => precisions.map((precision) => ({ provider: 'webgpu' as const, precision, layout })))
      : []),
  ];
  const log = (line: string) => process.stderr.write(`gpu: ${line}\n`);
  const { dir, cleanup } = await tempDir('slayer-bench-gpu-');
  const results: Record<string, unknown> = {};
  try {
    for (const bench of models) {
      let modelDir = bench.dir;
      const config = bench.config ? await bench.config() : JSON.parse(await readFile(join(bench.dir!, 'config.json'), 'utf8'));
      const m = parseModelConfig(config);
      if (!modelDir) {
        const disk = await statfs(dir);
        const bytes = 2 * modelParameters(m);
        if (disk.bavail * disk.bsize < bytes + 2 * GB) {
          results[bench.name] = { skipped: `writing it needs ${round(bytes / GB, 1)} GB of free disk under ${dir}` };
          continue;
        }
        modelDir = join(dir, bench.name);
        log(`writing ${bench.name} (${round(bytes / GB, 1)} GB)`);
        await writeModel(modelDir, config);
      }
      const trained = trainedBlocks(m);
      const entry: Record<string, unknown> = {
        parameters: modelParameters(m),
        trainedBlocks: trained,
        trainedParameters: trained.length * blockParameters(m),
        forwardTokens: bench.forward.sequences * bench.forward.seqLen,
        trainTokensPerStep: bench.train.sequences * bench.train.seqLen,
      };
      for (const [kind, variants, shape] of [
        ['forward', forwardVariants, bench.forward],
        ['train', trainVariants, bench.train],
      ] as const) {
        for (const v of variants) {
          const name = label(kind, v);
          const reason = wontFit(m, adapter, kind, v, shape, trained);
          log(`${bench.name}: ${name}${reason ? ` skipped (${reason})` : ''}`);
          const job: GpuJob = { model: modelDir, kind, ...v, sequences: shape.sequences, seqLen: shape.seqLen, repeats: bench.repeats, trainable: trained };
          const outcome = reason ? { skipped: reason } : await runJob(job, bench.limitSeconds, adapter);
          entry[name] = summary(kind, outcome, shape.sequences * shape.seqLen);
        }
      }
      results[bench.name] = entry;
      // A 7B-shaped model is 13.5 GB: each goes before the next is written.
      if (!bench.dir) await rm(modelDir, { recursive: true, force: true });
    }
  } finally {
    await cleanup();
  }
  return {
    adapter: adapter
      ? { name: adapter.name, backend: adapter.backend, driver: adapter.driver, software: adapter.software, shaderF16: adapter.shaderF16 }
      : { none: report.problem },
    loadAverageBefore: load,
    loadAverageAfter: loadavg().map((x) => round(x)),
    hostMemoryGB: round(totalmem() / GB, 1),
    freeMemoryGBAfter: round(freemem() / GB, 1),
    models: results,
  };
}
