import { describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtIsCurrent, newestSource } from '../../../bin/entry.js';
import { commands } from '../../../src/cli/commands/index.js';
import { tempDir } from '../../helpers/tmp.js';

/** A file with a chosen modification time (seconds since the epoch). */
function fileAt(path: string, seconds: number): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  utimesSync(path, seconds, seconds);
}

/** Every folder from root's src/ down to `dir` dated `seconds`, as a checkout leaves them. */
function foldersAt(root: string, dir: string, seconds: number): void {
  for (let d = dir; d.startsWith(join(root, 'src')); d = join(d, '..')) utimesSync(d, seconds, seconds);
}

describe('bin/entry.js: built JavaScript when current, else the sources', () => {
  it('takes the newest file of src/cli, src/main and src/shared, and nothing else', async () => {
    const t = await tempDir();
    try {
      fileAt(join(t.dir, 'src/main/deep/a.ts'), 1_000);
      fileAt(join(t.dir, 'src/shared/b.ts'), 3_000);
      fileAt(join(t.dir, 'src/cli/c.ts'), 2_000);
      fileAt(join(t.dir, 'src/renderer/src/d.vue'), 9_000);
      for (const d of ['src/main/deep', 'src/shared', 'src/cli']) foldersAt(t.dir, join(t.dir, d), 1_000);
      expect(newestSource(t.dir)).toBe(3_000_000);
    } finally {
      await t.cleanup();
    }
  });

  it('is current only when the built file exists and no source is newer', async () => {
    const t = await tempDir();
    try {
      expect(builtIsCurrent(t.dir, 'out/main/cli.js')).toBe(false);
      fileAt(join(t.dir, 'src/main/a.ts'), 5_000);
      fileAt(join(t.dir, 'src/main/b.ts'), 5_000);
      foldersAt(t.dir, join(t.dir, 'src/main'), 5_000);
      fileAt(join(t.dir, 'out/main/cli.js'), 5_000);
      expect(builtIsCurrent(t.dir, 'out/main/cli.js')).toBe(true);
      fileAt(join(t.dir, 'src/cli/new-edit.ts'), 5_001);
      foldersAt(t.dir, join(t.dir, 'src/cli'), 5_001);
      expect(builtIsCurrent(t.dir, 'out/main/cli.js')).toBe(false);
      fileAt(join(t.dir, 'out/main/cli.js'), 6_000);
      expect(builtIsCurrent(t.dir, 'out/main/cli.js')).toBe(true);
      // Deleting a source file dates its folder now: the build holds a module that is gone.
      rmSync(join(t.dir, 'src/main/b.ts'));
      expect(builtIsCurrent(t.dir, 'out/main/cli.js')).toBe(false);
    } finally {
      await t.cleanup();
    }
  });
});

describe('slayer command registry', () => {
  it('names each command once and loads a module with its usage, options and run', async () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.usage.startsWith(`slayer ${entry.name}`), entry.name).toBe(true);
      expect(typeof command.run).toBe('function');
      expect(typeof command.options).toBe('object');
      expect(entry.summary.length).toBeGreaterThan(10);
    }
  });
});
