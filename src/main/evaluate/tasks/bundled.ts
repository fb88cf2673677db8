/**
 * The evaluation sets shipped in resources/eval (built by src/tooling/demo/build-eval-sets.ts, sources and licences
 * in resources/eval/SOURCES.md), and turning the --task list into task files: "bundled:code"
 * names every set of a domain, "bundled:code-js" one set, anything else is a path; a comma
 * separates several in one argument.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_DOMAINS_WORDS, BUNDLED_TASKS, bundledTaskNames } from '../../../shared/evaluation.js';
import { UserError } from '../../../shared/errors.js';
import { appPath } from '../../fs/app-root.js';

/** resources/eval in the installation (src/main/fs/app-root.ts). */
export function bundledRoot(): string {
  const root = appPath('resources', 'eval');
  if (!existsSync(join(root, 'SOURCES.md')))
    throw new UserError(
      'The bundled evaluation sets (resources/eval) are missing from this installation. Reinstall the app, or rebuild them with "npm run eval:sets".',
    );
  return root;
}

export interface TaskSpec {
  /** The task file or JSONL file to read. */
  path: string;
  /** How reports name it: the path as given, or bundled:NAME. */
  source: string;
}

/** The --task values (each possibly a comma list) as task files, in order, without repeats. */
export function resolveTaskSpecs(values: readonly string[]): TaskSpec[] {
  const specs: TaskSpec[] = [];
  for (const value of values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)) {
    const names = bundledTaskNames(value);
    if (names === null) {
      specs.push({ path: value, source: value });
      continue;
    }
    if (names.length === 0) {
      throw new UserError(
        `There is no bundled set "${value}". Bundled sets: ${BUNDLED_DOMAINS_WORDS}, or one of ${BUNDLED_TASKS.map((t) => `bundled:${t.name}`).join(', ')}.`,
      );
    }
    const root = bundledRoot();
    for (const name of names) specs.push({ path: join(root, BUNDLED_TASKS.find((t) => t.name === name)!.file), source: `bundled:${name}` });
  }
  const seen = new Set<string>();
  return specs.filter((s) => !seen.has(s.source) && seen.add(s.source));
}
