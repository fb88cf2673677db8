// What bin/slayer.js and bin/serve.js run: the built JavaScript in out/main when it is at least
// as new as every source file it is built from (fast start), else the TypeScript sources through
// tsx (right after `npm ci` in a fresh clone, or after an edit until the next `npm run build`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders the Node entries are built from (the renderer is always served from out/renderer). */
const SOURCE_FOLDERS = ['src/cli', 'src/main', 'src/shared'];

/**
 * Newest modification time (ms) of the files and folders under root's source folders (a folder's
 * time changes when a file in it is added, renamed or deleted); 0 when there are none.
 * @param {string} root
 * @returns {number}
 */
export function newestSource(root) {
  let newest = 0;
  for (const folder of SOURCE_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    newest = Math.max(newest, statSync(dir).mtimeMs);
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() || entry.isDirectory()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * True when root's built file exists and no source file is newer than it.
 * @param {string} root
 * @param {string} built path relative to root, e.g. out/main/cli.js
 * @returns {boolean}
 */
export function builtIsCurrent(root, built) {
  const file = join(root, built);
  return existsSync(file) && statSync(file).mtimeMs >= newestSource(root);
}

/**
 * Imports the built entry when current, else its TypeScript source through tsx.
 * @param {string} built e.g. out/main/cli.js
 * @param {string} source e.g. src/cli/slayer.ts
 */
export async function runEntry(built, source) {
  if (builtIsCurrent(ROOT, built)) return import(pathToFileURL(join(ROOT, built)).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(ROOT, source)).href);
}
