/**
 * Which onnxruntime execution provider runs the graphs. CPU always works; CUDA needs provider
 * libraries that the install script does not fetch on offline machines, and WebGPU needs an
 * adapter (a GPU with Vulkan/Metal/D3D drivers, gpu-adapter.ts). A provider that cannot start
 * is a UserError that says what to do, never a crash half-way through a job. Jobs choose with
 * the job's memory in view (placement.ts); 'auto' here, without a job, takes CUDA when its
 * libraries are installed, else a hardware WebGPU adapter, else the CPU.
 *
 * WebGPU sessions may keep outputs on the device (`outputs`): such tensors feed other WebGPU
 * sessions in place (device.ts builds the device-resident engines on this).
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { ProviderChoice, ProviderName } from '../../shared/compute.js';
import { UserError } from '../../shared/errors.js';
import { GraphBuilder, type BuiltModel } from './onnx/graph-builder.js';
import { describeGpu, prepareGpuEnvironment } from './gpu-adapter.js';
import { installedProviders } from './installed-providers.js';

export type { ProviderChoice, ProviderName } from '../../shared/compute.js';
export { installedProviders } from './installed-providers.js';

/** Where a session's outputs stay: host memory, the GPU, or per output name. */
export type OutputPlacement = 'host' | 'device' | Readonly<Record<string, 'host' | 'device'>>;

export interface ComputeProvider {
  /** The provider actually in use (what 'auto' resolved to). */
  readonly name: ProviderName;
  /** CPU threads onnxruntime uses inside one operator. */
  readonly threads: number;
  /** `outputs` other than 'host' only on WebGPU. */
  createSession(model: BuiltModel, outputs?: OutputPlacement): Promise<ort.InferenceSession>;
}

export interface ProviderOptions {
  provider?: ProviderChoice;
  /** The GPU's memory where its driver does not say (Settings, --gpu-memory): lets 'auto' plan with it. */
  gpuMemoryBytes?: number;
  /** Defaults to every core: the compute process has the machine to itself. */
  threads?: number;
}

export async function openProvider(options: ProviderOptions = {}): Promise<ComputeProvider> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`The thread count must be a whole number of at least 1, got ${threads}.`);
  const choice = options.provider ?? 'cpu';
  if (choice === 'auto') {
    for (const name of await autoCandidates()) {
      try {
        return await startProvider(name, threads);
      } catch {
        // The next candidate; the CPU always starts.
      }
    }
    return startProvider('cpu', threads);
  }
  if (!(await installedProviders()).includes(choice)) throw new UserError(missingProviderMessage(choice));
  return startProvider(choice, threads);
}

/** GPU providers 'auto' tries before the CPU: CUDA with its libraries, then a hardware WebGPU adapter. */
async function autoCandidates(): Promise<ProviderName[]> {
  const installed = await installedProviders();
  const names: ProviderName[] = installed.includes('cuda') ? ['cuda'] : [];
  if (installed.includes('webgpu')) {
    const gpu = await describeGpu();
    if (gpu.adapter && !gpu.adapter.software) names.push('webgpu');
  }
  return names;
}

/** Opens the provider and proves it works on a one-node graph, so failures surface here. */
async function startProvider(name: ProviderName, threads: number): Promise<ComputeProvider> {
  if (name === 'webgpu') prepareGpuEnvironment();
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [name],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // WebGPU sessions warn, every one, that shape computations run on the CPU (as intended).
    ...(name === 'webgpu' ? { logSeverityLevel: 3 as const } : {}),
  };
  const provider: ComputeProvider = {
    name,
    threads,
    async createSession(model, outputs = 'host') {
      if (outputs !== 'host' && name !== 'webgpu') throw new Error(`createSession: outputs stay on the device only with WebGPU, not ${name}`);
      try {
        return await ort.InferenceSession.create(model.bytes, {
          ...sessionOptions,
          externalData: model.externalData,
          ...(outputs === 'host' ? {} : { preferredOutputLocation: outputLocation(outputs) }),
        });
      } catch (e) {
        if (name === 'cpu') throw e;
        throw new UserError(`The ${name.toUpperCase()} provider could not start (${reason(e)}). Check the GPU driver, or run on the CPU (provider "cpu").`);
      }
    },
  };
  const probe = await provider.createSession(identityGraph());
  const x = new ort.Tensor('float32', Float32Array.of(1), [1]);
  try {
    await probe.run({ x });
  } catch (e) {
    throw new UserError(`The ${name.toUpperCase()} provider failed a test run (${reason(e)}). Run on the CPU (provider "cpu") instead.`);
  } finally {
    await probe.release();
  }
  return provider;
}

function outputLocation(outputs: Exclude<OutputPlacement, 'host'>): ort.InferenceSession.SessionOptions['preferredOutputLocation'] {
  const location = (where: 'host' | 'device') => (where === 'device' ? 'gpu-buffer' : 'cpu');
  return typeof outputs === 'string' ? location(outputs) : Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, location(v)]));
}

function identityGraph(): BuiltModel {
  const g = new GraphBuilder('provider-probe');
  g.output('y', g.op('Identity', [g.input('x', 'float32', [1])]), 'float32', [1]);
  return g.build();
}

function missingProviderMessage(name: ProviderName): string {
  if (name === 'cuda') {
    return 'The CUDA provider is not installed (its libraries are fetched separately). Follow README "GPU (CUDA)" to install them, or run on the CPU (provider "cpu").';
  }
  return `The ${name.toUpperCase()} provider is not part of this onnxruntime build for ${process.platform}-${process.arch}. Run on the CPU (provider "cpu").`;
}

/** onnxruntime's messages open with a source location and a failed condition; keep the human part. */
export function reason(e: unknown): string {
  const line = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return line
    .split(' was false. ')
    .pop()!
    .replace(/^\S+\.(cc|cpp|h):\d+ /, '')
    .trim();
}
