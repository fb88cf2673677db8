/**
 * The memory a job may use: what the machine has free now (within a container's limit where
 * there is one), less room for the operating system and the app itself, or less when the user
 * set a limit.
 */
import { freemem, totalmem } from 'node:os';
import type { Fit, MachineMemory } from '../../shared/memory.js';

/** A job plans to use at most this share of the memory free when it starts. */
export const FREE_SHARE = 0.8;
/** Beyond this share of physical memory a job cannot run even if other programs give memory back. */
const PHYSICAL_SHARE = 0.9;

export function machineMemory(): MachineMemory {
  // Inside a cgroup with a limit (containers, systemd slices) the limit is the real total.
  const limit = process.constrainedMemory?.() ?? 0;
  const totalBytes = limit > 0 ? Math.min(limit, totalmem()) : totalmem();
  return { totalBytes, freeBytes: Math.min(freemem(), totalBytes) };
}

/** The most a job allows itself: FREE_SHARE of the free memory, or the user's limit when lower. */
export function memoryBudget(machine: MachineMemory, limitBytes?: number): number {
  return Math.min(FREE_SHARE * machine.freeBytes, limitBytes ?? Infinity);
}

export function fitOnMachine(needBytes: number, machine: MachineMemory, limitBytes?: number): Fit {
  if (needBytes <= memoryBudget(machine, limitBytes)) return 'fits';
  if (needBytes <= Math.min(PHYSICAL_SHARE * machine.totalBytes, limitBytes ?? Infinity)) return 'tight';
  return 'wont-fit';
}
