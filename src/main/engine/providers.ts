/**
 * Which onnxruntime execution provider runs the graphs. CPU is the default and always works;
 * CUDA needs provider libraries that the install script does not fetch on offline machines,
 * and WebGPU needs an adapter (a GPU with Vulkan/Metal/D3D drivers). A provider that cannot
 * start is a UserError that says what to do, never a crash half-way through a job.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ProviderChoice, ProviderName } from '../../shared/compute.js';
import { UserError } from '../../shared/errors.js';
import { GraphBuilder, type BuiltModel } from './onnx/graph-builder.js';

export type { ProviderChoice, ProviderName } from '../../shared/compute.js';

export interface ComputeProvider {
  /** The provider actually in use (what 'auto' resolved to). */
  readonly name: ProviderName;
  /** CPU threads onnxruntime uses inside one operator. */
  readonly threads: number;
  createSession(model: BuiltModel): Promise<ort.InferenceSession>;
}

export interface ProviderOptions {
  provider?: ProviderChoice;
  /** Defaults to every core: the compute process has the machine to itself. */
  threads?: number;
}

/** Providers this build of onnxruntime-node can use right now (CUDA only with its libraries). */
export function installedProviders(): ProviderName[] {
  const names: ProviderName[] = [];
  for (const backend of ort.listSupportedBackends()) {
    if (backend.name === 'cpu' || backend.name === 'webgpu') names.push(backend.name);
    if (backend.name === 'cuda' && cudaLibrariesPresent()) names.push('cuda');
  }
  return names;
}

export async function openProvider(options: ProviderOptions = {}): Promise<ComputeProvider> {
  const threads = options.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`The thread count must be a whole number of at least 1, got ${threads}.`);
  const choice = options.provider ?? 'cpu';
  if (choice === 'auto') {
    if (!installedProviders().includes('cuda')) return startProvider('cpu', threads);
    try {
      return await startProvider('cuda', threads);
    } catch {
      return startProvider('cpu', threads);
    }
  }
  if (!installedProviders().includes(choice)) throw new UserError(missingProviderMessage(choice));
  return startProvider(choice, threads);
}

/** Opens the provider and proves it works on a one-node graph, so failures surface here. */
async function startProvider(name: ProviderName, threads: number): Promise<ComputeProvider> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: [name],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const provider: ComputeProvider = {
    name,
    threads,
    async createSession(model) {
      try {
        return await ort.InferenceSession.create(model.bytes, { ...sessionOptions, externalData: model.externalData });
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

function identityGraph(): BuiltModel {
  const g = new GraphBuilder('provider-probe');
  g.output('y', g.op('Identity', [g.input('x', 'float32', [1])]), 'float32', [1]);
  return g.build();
}

function cudaLibrariesPresent(): boolean {
  const bindingDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(bindingDir, library));
}

function missingProviderMessage(name: ProviderName): string {
  if (name === 'cuda') {
    return 'The CUDA provider is not installed (its libraries are fetched separately). Follow README "GPU (CUDA)" to install them, or run on the CPU (provider "cpu").';
  }
  return `The ${name.toUpperCase()} provider is not part of this onnxruntime build for ${process.platform}-${process.arch}. Run on the CPU (provider "cpu").`;
}

/** onnxruntime's messages open with a source location and a failed condition; keep the human part. */
function reason(e: unknown): string {
  const line = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  return line
    .split(' was false. ')
    .pop()!
    .replace(/^\S+\.(cc|cpp|h):\d+ /, '')
    .trim();
}
