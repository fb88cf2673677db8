/**
 * The repository stands on its own: no file points to design notes or machine folders outside it,
 * and every relative link in its Markdown leads to a file that exists.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';

const ROOT = process.cwd();
const SKIP = new Set(['node_modules', 'out', '.git', 'test-results']);
const TEXT = new Set(['.ts', '.js', '.vue', '.json', '.md', '.html', '.css', '.yml', '.yaml', '.txt']);
const MAX_BYTES = 1 << 20;

/** Patterns of references to files outside the repository (built from parts so this file does not match itself). */
const OUTSIDE = [
  new RegExp(`\\b${'design'}/[A-Za-z-]+\\.md\\b`),
  new RegExp(`\\b(${['S-STRATEGY', 'ARCHITECTURE', 'PEERS'].join('|')})\\.md\\b`),
  new RegExp(`(^|[^\\w.])${'CLI'}\\.md\\b`),
  new RegExp(`(^|[\\s"'(\`])/${'work'}/`),
];

function textFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : textFiles(path);
    return e.isFile() && TEXT.has(extname(e.name)) && statSync(path).size <= MAX_BYTES ? [path] : [];
  });
}

describe('the repository is self-contained', () => {
  const files = textFiles(ROOT);

  it('has no reference to files outside it', () => {
    const found = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (OUTSIDE.some((p) => p.test(line)) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('has no broken relative link in its Markdown', () => {
    const broken = files
      .filter((f) => f.endsWith('.md'))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/\]\(([^)#\s]+)(#[^)\s]*)?\)/g)]
          .map((m) => m[1])
          .filter((target) => !/^[a-z]+:/.test(target) && !existsSync(resolve(dirname(file), target)))
          .map((target) => `${relative(ROOT, file)} -> ${target}`),
      );
    expect(broken).toEqual([]);
  });
});
