/** The product version, from package.json (read once). */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function appVersion(): string {
  if (cached === null) {
    // Sources live two levels under the root, the bundle (out/main) too.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
