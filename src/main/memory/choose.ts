/**
 * The choice every weight-loading job makes before it touches a tensor: the fastest weight mode
 * whose estimated peak fits the job's memory budget (memoryBudget), or a refusal in one line
 * with the numbers and what would fit. --streaming (or a caller's forced mode) skips the choice
 * but not the check.
 */
import { UserError } from '../../shared/errors.js';
import { WEIGHT_MODE_WORDS, type MachineMemory, type MemoryEstimate, type MemoryRecord, type WeightMode } from '../../shared/memory.js';
import { formatBytes } from '../../shared/units.js';
import { machineMemory, memoryBudget } from './machine.js';

export interface MemorySettings {
  /** The machine's memory now; measured when absent (tests and the Plan step pass their own). */
  machine?: MachineMemory;
  /** The most this job may use, set by the user; below the free memory it wins. */
  memoryLimitBytes?: number;
  /** Use this mode whatever fits better (--streaming forces "streamed"). */
  forceMode?: WeightMode;
}

export interface MemoryChoice {
  record: MemoryRecord;
  estimate: MemoryEstimate;
}

/** What a job would run with: the fastest estimate that fits the budget, else the one that needs least. */
export function likelyEstimate(estimates: readonly MemoryEstimate[], budgetBytes: number): MemoryEstimate {
  return estimates.find((e) => e.totalBytes <= budgetBytes) ?? leastEstimate(estimates);
}

function leastEstimate(estimates: readonly MemoryEstimate[]): MemoryEstimate {
  return estimates.reduce((a, b) => (b.totalBytes < a.totalBytes ? b : a));
}

/** Refused before loading: the job would not fit in memory. */
export class MemoryRefusal extends UserError {}

/**
 * @param work what the job does, for the message: "Scoring", "Training"
 * @param remedies what would make it fit, most useful first: "shorter sequences (--seq-len)"
 */
export function chooseWeightMode(estimates: readonly MemoryEstimate[], settings: MemorySettings, work: string, remedies: readonly string[]): MemoryChoice {
  const machine = settings.machine ?? machineMemory();
  const budgetBytes = memoryBudget(machine, settings.memoryLimitBytes);
  const candidates = settings.forceMode ? estimates.filter((e) => e.mode === settings.forceMode) : estimates;
  if (candidates.length === 0) throw new Error(`chooseWeightMode: no estimate for mode ${settings.forceMode}`);
  const chosen = candidates.find((e) => e.totalBytes <= budgetBytes);
  if (!chosen) throw new MemoryRefusal(refusal(candidates, machine, budgetBytes, settings.memoryLimitBytes, work, remedies));
  return {
    estimate: chosen,
    record: { mode: chosen.mode, estimateBytes: chosen.totalBytes, budgetBytes, freeBytes: machine.freeBytes, forced: settings.forceMode !== undefined },
  };
}

function refusal(
  candidates: readonly MemoryEstimate[],
  machine: MachineMemory,
  budgetBytes: number,
  limitBytes: number | undefined,
  work: string,
  remedies: readonly string[],
): string {
  const least = leastEstimate(candidates);
  const room =
    limitBytes !== undefined && limitBytes < machine.freeBytes ? `the memory limit is ${formatBytes(limitBytes)}` : `${formatBytes(machine.freeBytes)} is free`;
  const even = candidates.length > 1 ? ' even' : '';
  return (
    `${work} would not fit in memory: it needs${even} ${formatBytes(least.totalBytes)} with ${WEIGHT_MODE_WORDS[least.mode]}, ` +
    `and ${room} (a job uses at most ${formatBytes(budgetBytes)} of it). Nothing was loaded. What would fit: ${remedies.join('; ')}.`
  );
}
