/** The product version, from package.json (read once). */
import { readFileSync } from 'node:fs';
import { appPath } from './fs/app-root.js';

let cached: string | null = null;

export function appVersion(): string {
  if (cached === null) cached = (JSON.parse(readFileSync(appPath('package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
