/**
 * A folder's entries with symbolic links followed: a link to a file is a file, a link to a
 * folder is a folder. The Hugging Face cache keeps every file of a model snapshot as a link into
 * its blobs/ folder (`Dirent.isFile()` is false for those), so everything that lists, sizes,
 * hashes or copies model files goes through here. A link whose target is gone is reported as
 * such, for one line that names it.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';

export interface Entry {
  name: string;
  path: string;
  kind: 'file' | 'dir' | 'broken-link' | 'other';
  /** Size of the file (of the link's target), 0 for anything else. */
  bytes: number;
  /** When the file (the link's target) was last written, in whole ms since 1970; 0 for anything else. */
  modifiedMs: number;
  /** The entry is a symbolic link (followed for kind and bytes). */
  link: boolean;
}

export async function listEntries(dir: string): Promise<Entry[]> {
  const names = (await readdir(dir)).sort();
  return Promise.all(names.map((name) => entryOf(join(dir, name), name)));
}

async function entryOf(path: string, name: string): Promise<Entry> {
  const own = await lstat(path);
  const link = own.isSymbolicLink();
  const info = link ? await stat(path).catch(() => null) : own;
  if (!info) return { name, path, kind: 'broken-link', bytes: 0, modifiedMs: 0, link };
  const kind = info.isFile() ? 'file' : info.isDirectory() ? 'dir' : 'other';
  return { name, path, kind, bytes: kind === 'file' ? info.size : 0, modifiedMs: kind === 'file' ? Math.trunc(info.mtimeMs) : 0, link };
}

/** The folder's files (links followed); a broken link is an error that names it. */
export async function listFiles(dir: string): Promise<Entry[]> {
  const entries = await listEntries(dir);
  const broken = entries.find((e) => e.kind === 'broken-link');
  if (broken) {
    throw new UserError(
      `${broken.path} is a link to a file that does not exist (an interrupted download or a cleaned cache). Download the model again, or remove the link.`,
    );
  }
  return entries.filter((e) => e.kind === 'file');
}
