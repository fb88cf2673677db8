/**
 * The execution providers this installation can run, for modules that only plan where a job
 * goes (placement.ts, and through it inspect): onnxruntime's binding is imported when first
 * asked, not when such a module loads, so that `slayer inspect` starts without the engine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ProviderName } from '../../shared/compute.js';

/** Providers this build of onnxruntime-node can use right now (CUDA only with its libraries). */
export async function installedProviders(): Promise<ProviderName[]> {
  const ort = await import('onnxruntime-node');
  const names: ProviderName[] = [];
  for (const backend of ort.listSupportedBackends()) {
    if (backend.name === 'cpu' || backend.name === 'webgpu') names.push(backend.name);
    if (backend.name === 'cuda' && cudaLibrariesPresent()) names.push('cuda');
  }
  return names;
}

function cudaLibrariesPresent(): boolean {
  const bindingDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return existsSync(join(bindingDir, library));
}
