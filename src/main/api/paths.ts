/** Path checks that main runs before any handler or job touches a user-supplied path. */
import { access, realpath, stat } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { basename, isAbsolute, resolve, sep } from 'node:path';
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

/** The files "Open" may hand to the system besides folders: the run report a project writes. */
const OPENABLE_FILES = new Set(['report.html', 'report.json']);

/**
 * Folders that the system runs instead of showing: macOS application and plug-in bundles, and
 * Windows folders named after a shell class ("name.{CLSID}"), which Explorer treats as objects.
 */
const EXECUTABLE_FOLDER = /\.(app|appex|bundle|framework|kext|mpkg|plugin|prefpane|saver|xpc|workflow)$|\.\{[0-9a-f-]{36}\}$/i;

/**
 * The path that "Open folder" may hand to the system file manager: a folder, or a run report
 * (report.html / report.json), inside one of `roots` (the data folder and the project folders),
 * with symbolic links resolved first so that none leads outside. Anything else is refused with
 * one line, because the system opens a file with whatever handles its type, and that may run it.
 * Returns the resolved path, which is what should be opened.
 */
export async function requireOpenablePath(path: string, roots: string[]): Promise<string> {
  const full = await requireReadablePath(path, 'folder or file');
  const real = await realpath(full);
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => null)));
  const inside = realRoots.some((root) => root !== null && (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)));
  if (!inside) {
    throw new UserError(
      `${full} is outside the data folder, and SLayer Studio opens only folders and reports inside it. Open it from your file manager instead.`,
    );
  }
  const info = await stat(real);
  if (info.isDirectory() && !EXECUTABLE_FOLDER.test(real)) return real;
  if (info.isFile() && OPENABLE_FILES.has(basename(real))) return real;
  throw new UserError(`SLayer Studio opens only folders and report files (report.html, report.json), never programs or other files: ${full} was not opened.`);
}
