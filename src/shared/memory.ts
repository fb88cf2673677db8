/**
 * Memory planning: how a job holds the model's weights, and what it recorded about that choice.
 * Every job that loads weights estimates its peak from the model's shape and its settings before
 * it touches a tensor, picks the fastest way of holding the weights that fits in the memory that
 * is free, and refuses in one line when none does. The formulas are in src/main/memory.
 */
import type { GpuPrecision, PlacementRecord, TrainingLayout } from './compute.js';

/**
 * How a job holds the weights, fastest first:
 *   resident-f32     every weight read once and widened to fp32;
 *   resident-stored  every weight read once and kept as stored (bf16/f16), one block widened to
 *                    fp32 just before it runs;
 *   streamed         each block read from disk when it runs, then dropped;
 *   resident-int8    quick scans only (score and probe with precision int8): every matrix held
 *                    quantised to int8 per output channel, the rest in fp32.
 */
export const WEIGHT_MODES = ['resident-f32', 'resident-stored', 'streamed', 'resident-int8'] as const;
export type WeightMode = (typeof WEIGHT_MODES)[number];

export const WEIGHT_MODE_WORDS: Record<WeightMode, string> = {
  'resident-f32': 'weights held in fp32',
  'resident-stored': 'weights held as stored (16-bit) and widened to fp32 one block at a time',
  streamed: 'weights read from disk one block at a time',
  'resident-int8': 'weight matrices held quantised to int8 (quick scan)',
};

/**
 * fits:     within the job's budget (80% of the memory free now, leaving room for the OS and the UI);
 * tight:    beyond that but within 90% of physical memory: runs only if other programs give memory back;
 * wont-fit: more than 90% of physical memory.
 */
export type Fit = 'fits' | 'tight' | 'wont-fit';

export interface MachineMemory {
  totalBytes: number;
  /** Memory available to a new process now (Linux: MemAvailable; within a cgroup limit where there is one). */
  freeBytes: number;
}

/** One named part of an estimate, for the fit bars and the refusal message. */
export interface MemoryPart {
  name: string;
  bytes: number;
  /** What it is, in words. */
  why: string;
}

/** A job's memory need in one mode. */
export interface MemoryEstimate {
  mode: WeightMode;
  totalBytes: number;
  parts: MemoryPart[];
}

/** What a job recorded about its memory: the estimate it ran with and why. */
export interface MemoryRecord {
  mode: WeightMode;
  estimateBytes: number;
  /** The most the job allowed itself: a share of the free memory, or the user's limit when lower. */
  budgetBytes: number;
  freeBytes: number;
  /** The mode was forced (--streaming), not chosen. */
  forced: boolean;
  /** Where the job ran and why; absent in results written before GPUs were considered. */
  placement?: PlacementRecord;
}

/** Memory of a job on a GPU, and what the host holds beside it (src/main/memory/device.ts). */
export interface GpuEstimate {
  /** Training only: which layout. */
  layout: TrainingLayout | null;
  precision: GpuPrecision;
  device: { totalBytes: number; parts: MemoryPart[] };
  host: { totalBytes: number; parts: MemoryPart[] };
}
