/**
 * The GPU this machine offers through WebGPU, described before any job uses it: name, vendor,
 * the graphics API behind it, whether it computes in fp16 (shader-f16), whether it is a software
 * renderer, and its memory where the driver says.
 *
 * onnxruntime's WebGPU provider tells nothing about its adapter, so the adapter is asked through
 * Dawn's own Node binding (the `webgpu` package, the same Dawn that onnxruntime bundles), in a
 * short child process: a broken driver that aborts takes down the probe, never the app, and the
 * probe's Dawn never shares a process with onnxruntime's. WebGPU does not report memory sizes;
 * they come from nvidia-smi (NVIDIA), the amdgpu sysfs files (AMD on Linux), the host's memory
 * (software renderers, Apple's unified memory), or the user's setting.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { freemem, tmpdir, totalmem, userInfo } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GpuAdapter, GpuReport } from '../../shared/compute.js';

const PROBE_TIMEOUT_MS = 30_000;

/** What the probe prints: the adapter's info, features and limits, or why there is none. */
interface ProbeOutput {
  problem?: string;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  fallback?: boolean;
  f16?: boolean;
  maxBufferSize?: number;
}

/** Runs in the child: asks Dawn for the high-performance adapter (as onnxruntime does) and prints one JSON line. */
const PROBE_SCRIPT = `
const { create } = await import(process.argv[1]);
const gpu = create([]);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) {
  console.log(JSON.stringify({ problem: 'no WebGPU adapter answered (no GPU driver with Vulkan, Metal or Direct3D 12 support was found)' }));
} else {
  const i = adapter.info;
  console.log(JSON.stringify({
    vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
    fallback: i.isFallbackAdapter === true, f16: adapter.features.has('shader-f16'), maxBufferSize: adapter.limits.maxBufferSize,
  }));
}
process.exit(0);
`;

let probed: Promise<ProbeOutput> | null = null;

/**
 * The adapter WebGPU jobs would run on, with its memory now; the adapter is asked once per
 * process, the memory every call. `memoryOverrideBytes`: the user's figure (Settings, --gpu-memory)
 * for drivers that do not report one.
 */
export async function describeGpu(memoryOverrideBytes?: number): Promise<GpuReport> {
  prepareGpuEnvironment();
  probed ??= probeAdapter();
  const found = await probed;
  if (found.problem !== undefined) return { adapter: null, problem: found.problem };
  const software =
    found.fallback === true || /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i.test(`${found.device} ${found.description}`);
  const vendor = found.vendor || 'unknown';
  const nvidia = vendor === 'nvidia' ? await nvidiaMemory() : null;
  const adapter: GpuAdapter = {
    name: nvidia?.name ?? readableName(found.device ?? '', found.description ?? ''),
    driver: (found.description ?? '').replace(/^[^:]*:\s*/, '').trim(),
    vendor,
    architecture: found.architecture || 'unknown',
    backend: process.platform === 'darwin' ? 'Metal' : process.platform === 'win32' ? 'Direct3D 12' : 'Vulkan',
    software,
    shaderF16: found.f16 === true,
    maxBufferBytes: found.maxBufferSize ?? 0,
    memory: null,
  };
  if (memoryOverrideBytes !== undefined) adapter.memory = { totalBytes: memoryOverrideBytes, freeBytes: null, source: 'setting' };
  else if (nvidia) adapter.memory = { totalBytes: nvidia.totalBytes, freeBytes: nvidia.freeBytes, source: 'nvidia-smi' };
  else if (software || vendor === 'apple') adapter.memory = { totalBytes: totalmem(), freeBytes: freemem(), source: 'shared' };
  else if (vendor === 'amd') adapter.memory = await amdMemory();
  return { adapter, problem: null };
}

/**
 * Mesa's Vulkan drivers want XDG_RUNTIME_DIR; where the session has none (services, containers,
 * CI), a private 0700 folder stands in. Set before the first WebGPU use, so the probe and
 * onnxruntime's own device both see it.
 */
export function prepareGpuEnvironment(): void {
  if (process.platform !== 'linux' || process.env.XDG_RUNTIME_DIR) return;
  const dir = join(tmpdir(), `slayer-runtime-${userInfo().uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

async function probeAdapter(): Promise<ProbeOutput> {
  let binding: string;
  try {
    binding = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return { problem: 'the WebGPU binding (the "webgpu" package) is not installed; reinstall the app' };
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PROBE_SCRIPT, binding],
      // ELECTRON_RUN_AS_NODE: inside the desktop app, execPath is Electron; this makes it a plain Node.
      { timeout: PROBE_TIMEOUT_MS, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(line) as ProbeOutput);
        } catch {
          const why = error?.killed ? 'it did not answer within 30 s' : (stderr.trim().split('\n').pop() ?? error?.message ?? 'no answer');
          resolve({ problem: `looking for a GPU failed (${why})` });
        }
      },
    );
  });
}

/**
 * Dawn's Node binding gives the device as a slug ("llvmpipe-llvm-15-0-6-256-bits-") and the driver
 * as "NAME: details"; the NAME is the readable part when the slug starts with it.
 */
function readableName(device: string, description: string): string {
  const named = description.split(':')[0].trim();
  if (named && device.toLowerCase().startsWith(named.toLowerCase())) return named;
  return device.replace(/-+/g, ' ').trim() || named || 'unnamed GPU';
}

/** The first NVIDIA GPU's name and memory (MiB in nvidia-smi's CSV). */
async function nvidiaMemory(): Promise<{ name: string; totalBytes: number; freeBytes: number } | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name,memory.total,memory.free', '--format=csv,noheader,nounits'], { timeout: 10_000 }, (error, stdout) => {
      const [name, total, free] =
        (stdout ?? '')
          .split('\n')[0]
          ?.split(',')
          .map((s) => s.trim()) ?? [];
      const MiB = 2 ** 20;
      resolve(error || !name || !Number(total) ? null : { name, totalBytes: Number(total) * MiB, freeBytes: Number(free) * MiB });
    });
  });
}

/** amdgpu reports VRAM in sysfs; the card with the most is the discrete one. */
async function amdMemory(): Promise<GpuAdapter['memory']> {
  const cards = await readdir('/sys/class/drm').catch(() => [] as string[]);
  let best: GpuAdapter['memory'] = null;
  for (const card of cards.filter((c) => /^card\d+$/.test(c))) {
    const read = (file: string) => readFile(join('/sys/class/drm', card, 'device', file), 'utf8').then(Number, () => NaN);
    const [total, used] = await Promise.all([read('mem_info_vram_total'), read('mem_info_vram_used')]);
    if (total > 0 && (!best || total > best.totalBytes)) best = { totalBytes: total, freeBytes: Number.isFinite(used) ? total - used : null, source: 'sysfs' };
  }
  return best;
}
