/**
 * Memory of the probe sweep's cache of hidden states (src/main/analysis/probe-sweep.ts). The
 * sweep runs the sequences chunk by chunk; for a chunk of c sequences of T tokens it keeps the
 * states entering (drop-one) or leaving (insert-one) each of the L blocks:
 *
 *   cache = 4 * L * c * T * H
 *
 * on top of the job's estimate without it (forward.ts). The plan takes the fastest weight mode
 * that leaves room for a cache of at least one sequence, with the largest chunk that fits (at
 * most the engine's usual chunk, sequencesPerChunk); when no mode leaves room, the probes
 * recompute every block instead (each probe runs from the embedding), with the usual choice.
 */
import type { MemoryEstimate } from '../../shared/memory.js';
import type { ModelDescription } from '../../shared/model.js';
import { formatBytes } from '../../shared/units.js';
import { chooseWeightMode, type MemoryChoice, type MemorySettings } from './choose.js';
import { sequencesPerChunk } from './forward.js';
import { machineMemory, memoryBudget } from './machine.js';

/** Bytes of the cache for a chunk of `sequences` sequences of `seqLen` tokens. */
export function probeCacheBytes(m: ModelDescription, sequences: number, seqLen: number): number {
  return 4 * m.layers * sequences * seqLen * m.hiddenSize;
}

export interface ProbeCachePlan {
  /** Sequences per chunk: the cache holds this many sequences' states at each block. */
  sequencesPerChunk: number;
  bytes: number;
}

export interface ProbeSweepChoice extends MemoryChoice {
  /** null: no room for a cache, every probe recomputes from the embedding. */
  cache: ProbeCachePlan | null;
}

/**
 * @param estimates the job without the cache, one per weight mode, fastest first
 * @param shape the sequences the sweep runs and the longest of them
 */
export function chooseProbeSweep(
  m: ModelDescription,
  estimates: readonly MemoryEstimate[],
  shape: { sequences: number; seqLen: number },
  settings: MemorySettings,
  work: string,
  remedies: readonly string[],
): ProbeSweepChoice {
  const machine = settings.machine ?? machineMemory();
  const fixed = { ...settings, machine };
  const budget = memoryBudget(machine, settings.memoryLimitBytes);
  const perSequence = probeCacheBytes(m, 1, shape.seqLen);
  const largest = Math.min(shape.sequences, sequencesPerChunk(m, shape.seqLen));
  const candidates = settings.forceMode ? estimates.filter((e) => e.mode === settings.forceMode) : estimates;
  for (const e of candidates) {
    const fits = Math.min(largest, Math.floor((budget - e.totalBytes) / perSequence));
    if (fits < 1) continue;
    const bytes = fits * perSequence;
    const part = { name: 'Probe cache', bytes, why: `hidden states at every block for ${fits} sequences, so probes need not recompute the blocks before them` };
    const withCache: MemoryEstimate = { ...e, totalBytes: e.totalBytes + bytes, parts: [...e.parts, part] };
    return { ...chooseWeightMode([withCache], fixed, work, remedies), cache: { sequencesPerChunk: fits, bytes } };
  }
  return { ...chooseWeightMode(estimates, fixed, work, remedies), cache: null };
}

/** One line for the record when there was no room for the cache. */
export function noCacheNote(m: ModelDescription, seqLen: number): string {
  return `No room for the probe cache (${formatBytes(probeCacheBytes(m, 1, seqLen))} per sequence): every probe recomputed the blocks before it.`;
}
