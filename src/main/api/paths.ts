/** Path checks that main runs before any handler or job touches a user-supplied path. */
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';

export async function requireReadableDir(path: string, what = 'folder'): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(path);
  let info;
  try {
    info = await stat(full);
  } catch {
    throw new UserError(`The ${what} ${full} does not exist. Check the path or pick it again.`);
  }
  if (!info.isDirectory()) throw new UserError(`${full} is a file, but a ${what} is needed. Pick the folder that contains it.`);
  try {
    await access(full, constants.R_OK | constants.X_OK);
  } catch {
    throw new UserError(`The ${what} ${full} cannot be read (permission denied). Fix its permissions or pick another.`);
  }
  return full;
}

export async function requireReadableFile(path: string, what = 'file'): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(path);
  let info;
  try {
    info = await stat(full);
  } catch {
    throw new UserError(`The ${what} ${full} does not exist. Check the path or pick it again.`);
  }
  if (!info.isFile()) throw new UserError(`${full} is not a file. Pick a ${what}.`);
  try {
    await access(full, constants.R_OK);
  } catch {
    throw new UserError(`The ${what} ${full} cannot be read (permission denied).`);
  }
  return full;
}

/** A file or a folder (documents may be either). */
export async function requireReadablePath(path: string, what: string): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(path);
  let info;
  try {
    info = await stat(full);
  } catch {
    throw new UserError(`Nothing found at ${full} (the ${what}). Check the path or pick it again.`);
  }
  return info.isDirectory() ? requireReadableDir(full, what) : requireReadableFile(full, what);
}
