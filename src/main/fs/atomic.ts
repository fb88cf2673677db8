/**
 * Atomic file and folder writes: write under a temporary name next to the target, then rename.
 * A crash or cancel leaves either the old content or the new, never half of one.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temporary names start with this prefix, so stale ones can be recognised and swept. */
export const TEMP_PREFIX = '.slayer-tmp-';

export function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    // fsync before rename: otherwise a power loss can leave the new name pointing at empty data.
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Builds a folder under a temporary name and renames it into place when `fill` succeeds.
 * On failure or cancel the temporary folder is removed and an existing target is untouched.
 * An existing target is replaced only after the new folder is complete.
 */
export async function writeFolderAtomic<T>(target: string, fill: (tempDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  await mkdir(tmp);
  let result: T;
  try {
    result = await fill(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = `${tmp}-old`;
  let movedOld = false;
  try {
    await rename(target, old);
    movedOld = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    if (movedOld) await rename(old, target).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (movedOld) await rm(old, { recursive: true, force: true });
  return result;
}
