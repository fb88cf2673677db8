import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/slayer.js', ...args], { encoding: 'utf8' });

describe('slayer CLI frame', () => {
  it('prints help and version', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: slayer <command>/);
    const version = run('--version');
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('answers an unknown command with one line and a non-zero exit', () => {
    const r = run('frobnicate');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
