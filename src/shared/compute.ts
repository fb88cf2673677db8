/**
 * Execution providers: what a job may ask for, the GPU adapter this machine offers, and what a
 * job ran on and why (src/main/engine/placement.ts decides; docs/gpu.md explains).
 */

export type ProviderName = 'cpu' | 'webgpu' | 'cuda';
/** 'auto': the GPU when one answers and the job fits its memory, else CPU. */
export type ProviderChoice = ProviderName | 'auto';
export const PROVIDER_CHOICES: readonly ProviderChoice[] = ['auto', 'cpu', 'webgpu', 'cuda'];

/** The float type a GPU job computes in: fp16 where the adapter has shader-f16, else fp32. */
export type GpuPrecision = 'fp16' | 'fp32';

/**
 * How a training job uses a GPU:
 *   device   (a) everything on the GPU: frozen weights (fp16), trained fp32 masters, their
 *            gradients and AdamW's moments; the optimizer runs as a graph on the GPU.
 *   offload  (b) in the style of ZeRO-Offload: frozen weights and activations on the GPU; the
 *            trained fp32 masters, gradients and AdamW's moments in host memory; per step the
 *            gradients come down and the updated (fp16) weights go up.
 */
export type TrainingLayout = 'device' | 'offload';

export const TRAINING_LAYOUT_WORDS: Record<TrainingLayout, string> = {
  device: 'layout (a): everything on the GPU',
  offload: 'layout (b): frozen weights on the GPU, trained weights and AdamW in host memory (ZeRO-Offload)',
};

/** Where a GPU's memory figure came from. */
export type GpuMemorySource = 'nvidia-smi' | 'sysfs' | 'shared' | 'setting';

/** The WebGPU adapter that answered on this machine (Dawn: Vulkan, Metal or Direct3D 12). */
export interface GpuAdapter {
  /** What the driver calls the device ("NVIDIA H100 80GB HBM3", "llvmpipe"). */
  name: string;
  /** The driver's own description ("Mesa 25.0.7 (LLVM 15.0.6)"). */
  driver: string;
  vendor: string;
  architecture: string;
  /** The graphics API Dawn drives it through. */
  backend: 'Vulkan' | 'Metal' | 'Direct3D 12';
  /** A software renderer on the CPU (llvmpipe, SwiftShader, WARP): it works, but is slower than the CPU provider. */
  software: boolean;
  /** The adapter computes in fp16 (WebGPU's shader-f16). */
  shaderF16: boolean;
  /** The largest single buffer the adapter allows. */
  maxBufferBytes: number;
  /** Its memory, where the driver or the user says (WebGPU itself does not); null: unknown. */
  memory: { totalBytes: number; freeBytes: number | null; source: GpuMemorySource } | null;
}

/** What a look for a GPU found: an adapter, or why there is none. */
export type GpuReport = { adapter: GpuAdapter; problem: null } | { adapter: null; problem: string };

/** Bytes copied between host and GPU memory by one job (the transfer ledger). */
export interface TransferRecord {
  hostToDeviceBytes: number;
  deviceToHostBytes: number;
  /** Of which while the weights were uploaded (once per job). */
  loadHostToDeviceBytes: number;
  /** Training: what one optimizer step moved, its first step and the most any later step moved. */
  firstStep: { hostToDeviceBytes: number; deviceToHostBytes: number } | null;
  laterStepsMax: { hostToDeviceBytes: number; deviceToHostBytes: number } | null;
  steps: number;
}

/** What a job ran on, and why: recorded in its results beside its memory plan. */
export interface PlacementRecord {
  /** What the job asked for. */
  asked: ProviderChoice;
  /** What it ran on. */
  provider: ProviderName;
  /** One sentence: why this provider (and, for auto, why not the other). */
  why: string;
  /** The adapter's name when the job ran on a GPU or considered one. */
  adapter: string | null;
  precision: GpuPrecision | null;
  layout: TrainingLayout | null;
  /** The GPU memory the job planned with, and the most it allowed itself. */
  deviceEstimateBytes: number | null;
  deviceBudgetBytes: number | null;
  transfers: TransferRecord | null;
}
