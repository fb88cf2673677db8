/**
 * Free-space check before surgery writes anything: running out of disk half-way through a 15 GB
 * checkpoint wastes minutes and says nothing useful. The new folder is built next to the target
 * (then renamed), and a folder it replaces stays until the new one is complete, so the whole new
 * model must fit in the space free now.
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';

/** The part of fs.statfs the check reads; tests pass a fake to simulate a full disk. */
export type StatfsProbe = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

export async function requireFreeSpace(target: string, neededBytes: number, probe: StatfsProbe = statfs): Promise<void> {
  const { disk, info } = await statNearestFolder(dirname(resolve(target)), probe);
  const freeBytes = Number(info.bavail) * Number(info.bsize);
  if (freeBytes < neededBytes) {
    throw new UserError(
      `Not enough disk space for ${target}: the new model needs ${size(neededBytes)}, ${size(freeBytes)} free on ${disk}. Free some space or choose a folder on another disk.`,
    );
  }
}

/** The target's parent may not exist yet (it is created when writing starts): ask its nearest existing ancestor. */
async function statNearestFolder(path: string, probe: StatfsProbe): Promise<{ disk: string; info: Awaited<ReturnType<StatfsProbe>> }> {
  for (let p = path; ; p = dirname(p)) {
    try {
      return { disk: p, info: await probe(p) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(p) === p) throw e;
    }
  }
}

function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
