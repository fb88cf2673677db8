/**
 * The content hash of a corpus: SHA-256 over each listed file's display name, size and own
 * SHA-256, in listing order. Names are relative to the DATA folder, so a moved or copied folder
 * keeps its hash (and its token cache); any edit, addition or removal changes it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { SkippedInput } from './jsonl.js';
import type { CorpusFile } from './list-files.js';
import { createYielder, throttledProgress } from './pacing.js';
import { readWholeFile, SYNC_READ_LIMIT } from './read-file.js';

export interface HashedFiles {
  hash: string;
  /** The files that could be read; a file that vanished is moved to the skip list. */
  files: CorpusFile[];
}

export async function hashCorpusFiles(files: readonly CorpusFile[], skipped: SkippedInput[], control: TaskControl = {}): Promise<HashedFiles> {
  const corpus = createHash('sha256');
  const present: CorpusFile[] = [];
  const totalBytes = files.reduce((n, f) => n + f.bytes, 0);
  let done = 0;
  const progress = throttledProgress(control);
  const yieldNow = createYielder();
  for (const file of files) {
    await yieldNow();
    throwIfCancelled(control.signal);
    progress({ fraction: totalBytes ? done / totalBytes : null, message: `Checking ${file.name} for changes` });
    const hash = createHash('sha256');
    let size = 0;
    try {
      if (file.bytes <= SYNC_READ_LIMIT) {
        const bytes = await readWholeFile(file.path, file.bytes);
        hash.update(bytes);
        size = bytes.length;
      } else {
        for await (const chunk of createReadStream(file.path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
        }
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      skipped.push({ path: file.name, reason: code === 'ENOENT' ? 'disappeared before it could be read' : `cannot be read (${code ?? (e as Error).message})` });
      continue;
    }
    done += file.bytes;
    corpus.update(`${file.name}\0${size}\0${hash.digest('hex')}\n`);
    present.push({ ...file, bytes: size });
  }
  return { hash: corpus.digest('hex'), files: present };
}
