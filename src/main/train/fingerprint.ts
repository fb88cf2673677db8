/**
 * A cheap identity of a model folder for resume checks: SHA-256 over config.json and the tensor
 * index (name, dtype, shape, file, byte range of every tensor). It tells a different model or a
 * re-made surgery output apart without reading gigabytes of weights; an in-place edit of weight
 * values that keeps every size is not detected.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelFolder } from '../model/folder.js';
import { CONFIG_FILE } from '../surgery/config.js';

export async function modelFingerprint(folder: ModelFolder): Promise<string> {
  const hash = createHash('sha256').update(await readFile(join(folder.dir, CONFIG_FILE)));
  const entries = [...folder.tensors.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const t of entries) hash.update(`${t.name} ${t.dtype} ${t.shape.join('x')} ${basename(t.file)} ${t.byteRange.join('-')}\n`);
  return `sha256:${hash.digest('hex')}`;
}
