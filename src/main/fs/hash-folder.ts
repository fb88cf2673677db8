/**
 * SHA-256 of every file in a folder (recursively, in a stable order, links followed), streamed so
 * that a 16 GB checkpoint never sits in memory. Used to fingerprint a source model for slayer.json.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { listEntries, type Entry } from './entries.js';

export interface FileHash {
  path: string;
  bytes: number;
  sha256: string;
}

/** Every file under root in a stable order, links followed; a broken link is an error that names it. */
async function filesUnder(root: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const walk = async (dir: string) => {
    for (const e of await listEntries(dir)) {
      if (e.kind === 'dir') await walk(e.path);
      else if (e.kind === 'file') out.push(e);
      else if (e.kind === 'broken-link') throw new UserError(`${e.path} is a link to a file that does not exist. Restore it or remove the link.`);
    }
  };
  await walk(root);
  return out;
}

/**
 * The size and modification time of a file, or of every file under a folder (with their paths),
 * hashed. It changes when a file is added, removed, resized or rewritten, and reads no content: a
 * 13.5 GB model folder is fingerprinted in milliseconds where hashing it reads every byte.
 */
export async function statFingerprint(path: string): Promise<string> {
  const info = await stat(path);
  const files = info.isFile() ? [{ path, bytes: info.size, modifiedMs: Math.trunc(info.mtimeMs) }] : await filesUnder(path);
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${relative(path, f.path)}\0${f.bytes}\0${f.modifiedMs}\n`);
  return hash.digest('hex');
}

export async function hashFolder(root: string, control: TaskControl = {}): Promise<{ files: FileHash[]; totalBytes: number }> {
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new UserError(`The folder ${root} does not exist or cannot be read. Choose another folder.`);
  }
  if (!info.isDirectory()) throw new UserError(`${root} is a file, not a folder. Choose the folder that holds it.`);
  const entries = await filesUnder(root);
  const paths = entries.map((e) => e.path);
  const sizes = entries.map((e) => e.bytes);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const files: FileHash[] = [];
  let done = 0;
  for (let i = 0; i < paths.length; i++) {
    const name = relative(root, paths[i]);
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(paths[i], { highWaterMark: 1 << 20 })) {
      throwIfCancelled(control.signal);
      hash.update(chunk as Buffer);
      done += (chunk as Buffer).length;
      control.onProgress?.({ fraction: totalBytes ? done / totalBytes : 1, message: `Hashing ${name}` });
    }
    files.push({ path: name, bytes: sizes[i], sha256: hash.digest('hex') });
    control.onLog?.(`${name}  ${files[i].sha256}`);
  }
  control.onProgress?.({ fraction: 1, message: `Hashed ${files.length} files` });
  return { files, totalBytes };
}
