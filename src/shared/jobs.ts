/**
 * Compute jobs: the kinds the compute process knows, their parameters and results, and the
 * record kept on disk for each run. Shared by main, the compute process and the renderer.
 */
import { z } from 'zod';

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];

/**
 * Parameters of every job kind. Paths are validated in main (exist, readable) before a job starts;
 * these schemas check shape and ranges.
 */
export const jobParamSchemas = {
  'hash-folder': z.object({ path: z.string().min(1) }),
};

export type JobKind = keyof typeof jobParamSchemas;
export const jobKinds = Object.keys(jobParamSchemas) as JobKind[];
export type JobParams<K extends JobKind> = z.infer<(typeof jobParamSchemas)[K]>;

export interface JobResults {
  'hash-folder': { files: { path: string; bytes: number; sha256: string }[]; totalBytes: number };
}

export interface JobRecord {
  id: string;
  kind: JobKind;
  params: Record<string, unknown>;
  projectId: string | null;
  state: JobState;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  progress: { fraction: number | null; message: string } | null;
  /** One plain-language line when state is failed (or why it was cancelled). */
  error: string | null;
  /** Technical detail for the "details" toggle (stderr tail, stack) — never shown by default. */
  errorDetail: string | null;
  result: unknown;
}

/** Messages between main and the compute process (the same over fork IPC and utilityProcess). */
export type ToCompute =
  | { type: 'start'; job: { id: string; kind: JobKind; params: unknown } }
  | { type: 'cancel' };

export type FromCompute =
  | { type: 'progress'; fraction: number | null; message: string }
  | { type: 'log'; line: string }
  | { type: 'metric'; name: string; step: number; value: number }
  | { type: 'done'; result: unknown }
  | { type: 'error'; message: string; detail: string | null; cancelled: boolean };
