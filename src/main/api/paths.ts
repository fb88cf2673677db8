/** Path checks that main runs before any handler or job touches a user-supplied path. */
import { access, stat } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';

async function existing(path: string, what: string): Promise<{ full: string; info: Stats }> {
  const full = isAbsolute(path) ? path : resolve(path);
  try {
    return { full, info: await stat(full) };
  } catch {
    throw new UserError(`The ${what} ${full} does not exist. Check the path or pick it again.`);
  }
}

async function readable(full: string, what: string, mode: number): Promise<string> {
  try {
    await access(full, mode);
  } catch {
    throw new UserError(`The ${what} ${full} cannot be read (permission denied). Fix its permissions or pick another.`);
  }
  return full;
}

export async function requireReadableDir(path: string, what = 'folder'): Promise<string> {
  const { full, info } = await existing(path, what);
  if (!info.isDirectory()) throw new UserError(`${full} is a file, but a ${what} is needed. Pick the folder that contains it.`);
  return readable(full, what, constants.R_OK | constants.X_OK);
}

export async function requireReadableFile(path: string, what = 'file'): Promise<string> {
  const { full, info } = await existing(path, what);
  if (!info.isFile()) throw new UserError(`${full} is not a file. Pick a ${what}.`);
  return readable(full, what, constants.R_OK);
}

/** A file or a folder (documents may be either). */
export async function requireReadablePath(path: string, what: string): Promise<string> {
  const { full, info } = await existing(path, what);
  return info.isDirectory() ? requireReadableDir(full, what) : requireReadableFile(full, what);
}
