/**
 * Whole-file reads for the corpus loops. Small files are read synchronously: through libuv's
 * thread pool each async readFile costs four round trips (open, stat, read, close), measured at
 * ~0.3 ms per file on a busy 2-core machine against ~0.03 ms for readFileSync, which is
 * the difference between 30 s and 3 s for 100k files. A 4 MiB read blocks for about a
 * millisecond, less than tokenising that file; the loops still give the event loop a turn every
 * 20 ms (pacing.ts). Larger files go through the async API.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export const SYNC_READ_LIMIT = 4 * 1024 * 1024;

/** `expectedBytes`: the size from the listing (the file may have changed since; any size is read whole). */
export async function readWholeFile(path: string, expectedBytes: number): Promise<Buffer> {
  return expectedBytes <= SYNC_READ_LIMIT ? readFileSync(path) : readFile(path);
}
