/**
 * The files a DATA path stands for: the file itself, or every file under the folder, read
 * recursively in a stable (code-point) order so that runs over the same folder agree. Files
 * and folders left out are listed with the reason, never dropped silently. A file whose name
 * says nothing about its type (Apache-2.0, GPL, notes.v2) is judged by its first bytes.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { classifyFileName, folderSkipReason, SUPPORTED_TYPES_HINT, type DocumentKind, type FileClass } from './file-types.js';
import type { SkippedInput } from './jsonl.js';
import { createYielder, throttledProgress } from './pacing.js';
import { sniffContent, SNIFF_BYTES } from './sniff.js';

export interface CorpusFile {
  /** Absolute or caller-relative path used to read the file. */
  path: string;
  /** Path shown to people: relative to the DATA folder, with "/" separators. */
  name: string;
  kind: DocumentKind;
  bytes: number;
}

export interface FileListing {
  files: CorpusFile[];
  skipped: SkippedInput[];
  totalBytes: number;
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function listCorpusFiles(root: string, control: TaskControl = {}): Promise<FileListing> {
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new UserError(`${root} does not exist or cannot be read. Choose a file or folder with your documents.`);
  }
  if (info.isFile()) {
    const cls = classifyFile(basename(root), root);
    if ('skip' in cls) throw new UserError(`${root} cannot be used as data: ${cls.skip}. Use ${SUPPORTED_TYPES_HINT}, or a folder of them.`);
    return { files: [{ path: root, name: basename(root), kind: cls.kind, bytes: info.size }], skipped: [], totalBytes: info.size };
  }
  if (!info.isDirectory()) throw new UserError(`${root} is neither a file nor a folder. Choose a file or folder with your documents.`);

  const files: CorpusFile[] = [];
  const skipped: SkippedInput[] = [];
  let totalBytes = 0;
  const progress = throttledProgress(control);
  const yieldNow = createYielder();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    throwIfCancelled(control.signal);
    progress({ fraction: null, message: `Listing ${prefix || '.'} (${files.length} files so far)` });
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      skipped.push({ path: prefix || '.', reason: `folder cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return;
    }
    entries.sort((a, b) => byCodePoint(a.name, b.name));
    for (const entry of entries) {
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        // Links can point outside the folder or back into it (a cycle); only what is really here is read.
        skipped.push({ path: name, reason: 'symbolic link (not followed)' });
      } else if (entry.isDirectory()) {
        const reason = folderSkipReason(entry.name);
        if (reason) skipped.push({ path: `${name}/`, reason });
        else await walk(full, name);
      } else if (entry.isFile()) {
        const cls = classifyFile(entry.name, full);
        if ('skip' in cls) {
          skipped.push({ path: name, reason: cls.skip });
          continue;
        }
        let bytes: number;
        try {
          // Synchronous for the same reason as small reads (read-file.ts): 100k async stats take seconds.
          bytes = statSync(full).size;
        } catch {
          skipped.push({ path: name, reason: 'disappeared while the folder was being read' });
          continue;
        }
        files.push({ path: full, name, kind: cls.kind, bytes });
        totalBytes += bytes;
        await yieldNow();
      } else {
        skipped.push({ path: name, reason: 'not a regular file (device, socket or pipe)' });
      }
    }
  };
  await walk(root, '');
  return { files, skipped, totalBytes };
}

/** The class a file's name gives it, or, where the name says nothing, the class its first bytes give it. */
function classifyFile(name: string, path: string): FileClass {
  const cls = classifyFileName(name);
  if (!('sniff' in cls)) return cls;
  let head: Uint8Array;
  try {
    head = readHead(path);
  } catch (e) {
    return { skip: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  return sniffContent(head);
}

/** The first SNIFF_BYTES of a file (synchronous, like the listing's stat: a few microseconds each). */
function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    return head.subarray(0, readSync(fd, head, 0, SNIFF_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}
