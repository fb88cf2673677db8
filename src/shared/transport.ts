/**
 * The zod-free half of the API contract: event names, envelopes and IPC channel names. The
 * sandboxed preload imports only this, so it stays small.
 */
import type { JobRecord } from './jobs.js';

/** Events pushed from main to every renderer. */
export interface ApiEvents {
  'job.updated': JobRecord;
  'job.progress': { id: string; fraction: number | null; message: string };
  'job.log': { id: string; line: string };
  'job.metric': { id: string; name: string; step: number; value: number };
}
export type ApiEventName = keyof ApiEvents;
export const apiEventNames: ApiEventName[] = ['job.updated', 'job.progress', 'job.log', 'job.metric'];

/** What every transport returns: errors travel as one plain line, never as a thrown object. */
export type ApiEnvelope<T> = { ok: true; value: T } | { ok: false; error: string; detail?: string };

/** Channel names used by the Electron transport. */
export const IPC_INVOKE = 'slayer:invoke';
export const IPC_EVENT = 'slayer:event';
