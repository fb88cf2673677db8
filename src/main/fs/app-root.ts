/**
 * The installation's root: the folder that holds package.json beside resources/ and out/. Found
 * by walking up from this module, because the same code runs from src/main/fs (tsx, tests) and
 * bundled into out/main or out/main/chunks (the app, the built CLI and server), where the
 * number of levels differs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'slayer-studio';
let cached: string | null = null;

function isRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}

export function appRoot(): string {
  if (cached !== null) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isRoot(dir)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No ${PACKAGE_NAME} package.json above ${fileURLToPath(import.meta.url)}: the installation is incomplete.`);
    dir = parent;
  }
  cached = dir;
  return dir;
}

/** A path inside the installation, e.g. appPath('resources', 'demo'). */
export function appPath(...parts: string[]): string {
  return join(appRoot(), ...parts);
}
