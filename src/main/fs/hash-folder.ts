/**
 * SHA-256 of every file in a folder (recursively, in a stable order), streamed so that a 16 GB
 * checkpoint never sits in memory. Used to fingerprint a source model for slayer.json.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';

export interface FileHash {
  path: string;
  bytes: number;
  sha256: string;
}

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push(full);
    }
  };
  await walk(root);
  return out;
}

export async function hashFolder(root: string, control: TaskControl = {}): Promise<{ files: FileHash[]; totalBytes: number }> {
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new UserError(`The folder ${root} does not exist or cannot be read. Choose another folder.`);
  }
  if (!info.isDirectory()) throw new UserError(`${root} is a file, not a folder. Choose the folder that holds it.`);
  const paths = await listFiles(root);
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
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
