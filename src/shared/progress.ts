/**
 * How long-running core functions report progress and learn that they were cancelled.
 * The same shape serves the CLI (a bar on stderr) and the compute process (events to the UI).
 */
import { UserError } from './errors.js';

export interface ProgressUpdate {
  /** 0..1, or null when the total is unknown. */
  fraction: number | null;
  message: string;
}

export interface TaskControl {
  onProgress?: (update: ProgressUpdate) => void;
  /** Free-form log lines a person may want to read later. */
  onLog?: (line: string) => void;
  /** Named numeric series (loss, lr, ...) appended to the project's metrics log. */
  onMetric?: (name: string, step: number, value: number) => void;
  signal?: AbortSignal;
}

export class CancelledError extends UserError {
  readonly isCancelled = true;
  constructor() {
    super('Cancelled. Nothing was written; you can start it again at any time.');
  }
}

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/**
 * One stage of a longer task: the stage reports its own progress from 0 to 1, the person sees
 * it as the stretch from..to of the whole task (under the stage's label, when given).
 */
export function progressSpan(control: TaskControl, from: number, to: number, label?: string): TaskControl {
  return {
    ...control,
    onProgress: (p) =>
      control.onProgress?.({
        fraction: p.fraction === null ? null : from + (to - from) * p.fraction,
        message: label ? `${label}: ${p.message}` : p.message,
      }),
  };
}
