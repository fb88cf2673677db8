/**
 * Free disk space where a job writes, and the refusal when its output will not fit. The job's
 * output folder usually does not exist yet: the free space is that of its nearest existing parent.
 */
import { statfs as fsStatfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { formatBytes } from '../../shared/units.js';

/** What the check needs of fs.statfs: blocks free to unprivileged users, and the block size. */
export type Statfs = (path: string) => Promise<{ bavail: number; bsize: number }>;

/** Room kept free beyond the estimate: the system and other programs need some, and estimates are not exact. */
export const DISK_MARGIN_BYTES = 256 * 2 ** 20;

/** Free bytes on the file system that holds `path` (or would hold it, for a path not created yet). */
export async function freeBytesAt(path: string, statfs: Statfs = fsStatfs): Promise<number> {
  let dir = resolve(path);
  for (;;) {
    try {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    } catch (e) {
      const parent = dirname(dir);
      if (parent === dir || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      dir = parent;
    }
  }
}

/** The plain line that refuses a job needing `needBytes` where only `freeBytes` are free; null when it fits with the margin. */
export function diskRefusal(what: string, where: string, needBytes: number, freeBytes: number): string | null {
  const short = needBytes + DISK_MARGIN_BYTES - freeBytes;
  if (short <= 0) return null;
  return (
    `${what} needs about ${formatBytes(needBytes)} on disk, but ${where} has ${formatBytes(freeBytes)} free. ` +
    `Free at least ${formatBytes(short)} there (old projects' models, checkpoints or exports in the data folder are the usual culprits), or write to another disk.`
  );
}

/** Throws the refusal when `needBytes` do not fit where `path` is (or will be) written. */
export async function requireDiskRoom(what: string, path: string, needBytes: number, statfs: Statfs = fsStatfs): Promise<number> {
  const free = await freeBytesAt(path, statfs);
  const refusal = diskRefusal(what, resolve(path), needBytes, free);
  if (refusal) throw new UserError(refusal);
  return free;
}
