/**
 * A model folder laid out as the Hugging Face cache keeps it (huggingface_hub's layout):
 *   <cache>/models--ORG--NAME/blobs/<sha256>            the files' contents
 *   <cache>/models--ORG--NAME/snapshots/<rev>/<name>     relative links ../../blobs/<sha256>
 *   <cache>/models--ORG--NAME/refs/main                  <rev>
 * Files are moved into blobs/ (no copy of a 13 GB model); the source folder is left empty.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rmdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function moveIntoHfCache(modelDir: string, cacheDir: string, repo: string, revision = 'a'.repeat(40)): Promise<string> {
  const repoDir = join(cacheDir, `models--${repo.replace('/', '--')}`);
  const snapshot = join(repoDir, 'snapshots', revision);
  await mkdir(join(repoDir, 'blobs'), { recursive: true });
  await mkdir(snapshot, { recursive: true });
  await mkdir(join(repoDir, 'refs'), { recursive: true });
  for (const name of await readdir(modelDir)) {
    const sha = await sha256(join(modelDir, name));
    await rename(join(modelDir, name), join(repoDir, 'blobs', sha));
    await symlink(join('..', '..', 'blobs', sha), join(snapshot, name));
  }
  await rmdir(modelDir);
  await writeFile(join(repoDir, 'refs', 'main'), revision);
  return snapshot;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
