/**
 * The app's bundled resources (resources/: the demo model and corpora, the bundled evaluation
 * sets), found by walking up from this module: the same code runs from src/ (the CLI through tsx,
 * the tests) and bundled into out/main/ (the app, the built CLI).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../shared/errors.js';

/** resources/<part>, which must hold `marker`; one line saying what to do when it is missing. */
export function resourcePath(part: string, marker: string, missing: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'resources', part);
    if (existsSync(join(candidate, marker))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new UserError(missing);
    dir = parent;
  }
}
