/**
 * Where a job runs, decided before anything loads, so that a non-programmer never has to choose:
 *
 *   cpu     the CPU;
 *   cuda    onnxruntime's CUDA provider (when its libraries are installed);
 *   webgpu  the GPU through WebGPU, device-resident (device-forward-engine.ts,
 *           device-training-engine.ts), in fp16 where the adapter has shader-f16;
 *   auto    (the default) CUDA when installed; else WebGPU when a hardware adapter answers and
 *           the job fits its memory (training: layout (a) if it fits, else layout (b)); else the
 *           CPU, saying why.
 *
 * An explicit `webgpu` that cannot run (no adapter, too little GPU memory) stops at once with
 * one line; `auto` falls back to the CPU and records why. The record goes into the job's results
 * (memory.placement) and its log.
 */
import type { GpuAdapter, GpuPrecision, PlacementRecord, ProviderChoice, ProviderName, TrainingLayout } from '../../shared/compute.js';
import { TRAINING_LAYOUT_WORDS } from '../../shared/compute.js';
import type { GpuEstimate, MachineMemory, MemoryRecord } from '../../shared/memory.js';
import type { ModelDescription } from '../../shared/model.js';
import { formatBytes } from '../../shared/units.js';
import { MemoryRefusal } from '../memory/choose.js';
import { gpuForwardEstimate, gpuTrainingEstimates, judgeGpu } from '../memory/device.js';
import type { ForwardShape } from '../memory/forward.js';
import { machineMemory, memoryBudget } from '../memory/machine.js';
import type { TrainingShape } from '../memory/training.js';
import { UserError } from '../../shared/errors.js';
import { describeGpu } from './gpu-adapter.js';
import { installedProviders } from './installed-providers.js';

/** What a device engine needs to know: the adapter's name (for messages), the precision, the layout (training). */
export interface GpuSettings {
  adapter: string;
  precision: GpuPrecision;
}

export interface Placement {
  provider: ProviderName;
  /** Set when the job runs on WebGPU. */
  gpu: (GpuSettings & { layout: TrainingLayout | null }) | null;
  /** The GPU estimate it runs with. */
  estimate: GpuEstimate | null;
  record: PlacementRecord;
}

export interface TrainingPlacement extends Placement {
  gpu: (GpuSettings & { layout: TrainingLayout }) | null;
}

export interface PlacementSettings {
  /** Why this job cannot use the GPU engines (e.g. LoRA adapters): auto then runs on the CPU and says so; webgpu is refused. */
  cpuOnly?: string;
  provider?: ProviderChoice;
  /** The GPU's memory where the driver does not say (Settings, --gpu-memory). */
  gpuMemoryBytes?: number;
  /** Host memory limit (Settings, --max-memory). */
  memoryLimitBytes?: number;
  machine?: MachineMemory;
  /** A computation that must be exact to fp32 (the function check) asks for fp32. */
  gpuPrecision?: GpuPrecision;
}

const noGpuRecord = (asked: ProviderChoice, provider: ProviderName, why: string, adapter: string | null = null): Placement => ({
  provider,
  gpu: null,
  estimate: null,
  record: { asked, provider, why, adapter, precision: null, layout: null, deviceEstimateBytes: null, deviceBudgetBytes: null, transfers: null },
});

/** Forward jobs: scoring, probes, evaluation, generation, the function check. */
export async function placeForwardJob(
  m: ModelDescription,
  storedBytes: number,
  shape: ForwardShape,
  settings: PlacementSettings,
  work: string,
): Promise<Placement> {
  return place(settings, work, (precision) => [gpuForwardEstimate(m, storedBytes, shape, precision)], ['fewer samples or shorter sequences']);
}

export async function placeTrainingJob(
  m: ModelDescription,
  storedBytes: number,
  shape: TrainingShape,
  settings: PlacementSettings,
): Promise<TrainingPlacement> {
  const estimates = (precision: GpuPrecision) => gpuTrainingEstimates(m, storedBytes, shape, precision);
  // Every training estimate has a layout, so the chosen one does too.
  return place(settings, 'Training', estimates, ['a smaller batch or shorter sequences', 'fewer trainable layers']) as Promise<TrainingPlacement>;
}

/** The memory record of a job on the GPU: the host's side of its estimate (weights stream through it), with the placement. */
export function gpuJobMemory(placement: Placement, settings: PlacementSettings): MemoryRecord {
  const machine = settings.machine ?? machineMemory();
  return {
    mode: 'streamed',
    estimateBytes: placement.estimate?.host.totalBytes ?? 0,
    budgetBytes: memoryBudget(machine, settings.memoryLimitBytes),
    freeBytes: machine.freeBytes,
    forced: false,
    placement: placement.record,
  };
}

async function place(settings: PlacementSettings, work: string, estimates: (precision: GpuPrecision) => GpuEstimate[], remedies: string[]): Promise<Placement> {
  const asked = settings.provider ?? 'auto';
  if (asked === 'cpu') return noGpuRecord(asked, 'cpu', 'The CPU, as asked.');
  if (asked === 'cuda') return noGpuRecord(asked, 'cuda', 'CUDA, as asked.');
  const installed = await installedProviders();
  if (asked === 'auto' && installed.includes('cuda')) return noGpuRecord(asked, 'cuda', 'CUDA: its libraries are installed.');
  if (settings.cpuOnly) {
    if (asked === 'webgpu') throw new UserError(`${work} cannot run on the GPU: ${settings.cpuOnly}. Run it on the CPU (--provider cpu or auto).`);
    return noGpuRecord(asked, 'cpu', `The CPU: ${settings.cpuOnly}.`);
  }
  if (!installed.includes('webgpu')) {
    if (asked === 'webgpu')
      throw new UserError(`This build of onnxruntime has no WebGPU provider for ${process.platform}-${process.arch}. Run on the CPU (--provider cpu).`);
    return noGpuRecord(asked, 'cpu', `The CPU: this build has no WebGPU provider for ${process.platform}-${process.arch}.`);
  }
  const report = await describeGpu(settings.gpuMemoryBytes);
  if (!report.adapter) {
    if (asked === 'webgpu')
      throw new UserError(
        `The WebGPU provider found no GPU: ${report.problem}. Install the GPU's driver (Vulkan on Linux), or run on the CPU (--provider cpu).`,
      );
    return noGpuRecord(asked, 'cpu', `The CPU: no GPU answered (${report.problem}).`);
  }
  const adapter = report.adapter;
  if (asked === 'auto' && adapter.software) {
    return noGpuRecord(asked, 'cpu', `The CPU: the only GPU adapter is ${adapter.name}, a software renderer slower than the CPU itself.`, adapter.name);
  }
  const precision: GpuPrecision = settings.gpuPrecision ?? adapterPrecision(adapter);
  const candidates = estimates(precision);
  const judged = judgeGpu(candidates, adapter.memory, settings.machine ?? machineMemory(), settings.memoryLimitBytes);
  const { budgetBytes: budget, hostBudgetBytes: hostBudget } = judged;
  let chosen = judged.chosen;
  let why: string;
  if (chosen) {
    why = `The GPU (${adapter.name}): ${describe(chosen)} fits its ${formatBytes(budget!)}.`;
  } else if (budget === null && asked === 'webgpu') {
    // Asked for the GPU, its memory unknown: the layout that needs least of it.
    chosen = candidates.reduce((a, b) => (b.device.totalBytes < a.device.totalBytes ? b : a));
    why = `The GPU (${adapter.name}), as asked; its memory is unknown, so ${describe(chosen)}.`;
  } else if (budget === null) {
    return noGpuRecord(
      asked,
      'cpu',
      `The CPU: the memory of ${adapter.name} is unknown; set it (Settings, GPU memory, or --gpu-memory) to let jobs use the GPU.`,
      adapter.name,
    );
  } else {
    const needs = candidates.map(describe).join('; ');
    if (asked === 'webgpu') {
      throw new MemoryRefusal(
        `${work} would not fit on the GPU (${adapter.name}): ${needs}, and a job may use ${formatBytes(budget)} of its memory and ${formatBytes(hostBudget)} of the host's. ` +
          `Nothing was loaded. What would fit: ${[...remedies, 'the CPU (--provider cpu)'].join('; ')}.`,
      );
    }
    return noGpuRecord(asked, 'cpu', `The CPU: on the GPU (${adapter.name}) ${needs}, more than the ${formatBytes(budget)} a job may use there.`, adapter.name);
  }
  return {
    provider: 'webgpu',
    gpu: { adapter: adapter.name, precision, layout: chosen.layout },
    estimate: chosen,
    record: {
      asked,
      provider: 'webgpu',
      why,
      adapter: adapter.name,
      precision,
      layout: chosen.layout,
      deviceEstimateBytes: chosen.device.totalBytes,
      deviceBudgetBytes: budget,
      transfers: null,
    },
  };
}

/** "layout (b) needs 18.9 GB on the GPU and 30.5 GB of host memory" */
function describe(e: GpuEstimate): string {
  const what = e.layout ? `${TRAINING_LAYOUT_WORDS[e.layout].split(':')[0]} needs` : 'it needs';
  return `${what} ${formatBytes(e.device.totalBytes)} on the GPU and ${formatBytes(e.host.totalBytes)} of host memory`;
}

/**
 * For an engine opened without a job plan (tests, benches, library use): the GPU settings when
 * the graphs will run device-resident on WebGPU, else null. 'auto' takes a hardware adapter.
 */
export async function gpuForEngine(options: { provider?: ProviderChoice; gpu?: GpuSettings }): Promise<GpuSettings | null> {
  if (options.gpu) return options.gpu;
  if (options.provider !== 'webgpu' && options.provider !== 'auto') return null;
  if (options.provider === 'auto' && (await installedProviders()).includes('cuda')) return null;
  const report = await describeGpu();
  if (!report.adapter) {
    if (options.provider === 'webgpu')
      throw new UserError(
        `The WebGPU provider found no GPU: ${report.problem}. Install the GPU's driver (Vulkan on Linux), or run on the CPU (--provider cpu).`,
      );
    return null;
  }
  if (options.provider === 'auto' && report.adapter.software) return null;
  return { adapter: report.adapter.name, precision: adapterPrecision(report.adapter) };
}

export function adapterPrecision(adapter: GpuAdapter): GpuPrecision {
  return adapter.shaderF16 ? 'fp16' : 'fp32';
}
