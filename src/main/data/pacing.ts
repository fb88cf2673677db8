/**
 * Pacing for loops over 100k files or lines: hand control back to the event loop every few
 * milliseconds (so progress events, IPC and cancel requests are served meanwhile), and pass
 * on progress a few times a second rather than once per file.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ProgressUpdate, TaskControl } from '../../shared/progress.js';

export function createYielder(intervalMs = 20): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < intervalMs) return;
    await nextTurn();
    last = performance.now();
  };
}

/** control.onProgress, at most once per interval (the first update always passes). */
export function throttledProgress(control: TaskControl, intervalMs = 250): (update: ProgressUpdate) => void {
  let last = -Infinity;
  return (update) => {
    const now = performance.now();
    if (now - last < intervalMs) return;
    last = now;
    control.onProgress?.(update);
  };
}
