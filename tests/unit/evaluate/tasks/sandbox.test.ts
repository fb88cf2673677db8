/**
 * The sandbox for generated code: a passing and a failing program, and programs that loop
 * forever, write files, reach for the network or start processes are stopped and scored as
 * failed, with nothing left on disk. Python runs only where python3 is installed; the tests say
 * so when it is not. JavaScript runs with this Node.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../../../src/main/evaluate/tasks/sandbox.js';

const LIMITS = { timeoutSeconds: 2, memoryMB: 256 };
const marker = (name: string) => join(tmpdir(), `slayer-sandbox-test-${process.pid}-${name}.txt`);

const PROGRAMS = {
  python: {
    pass: 'def add(a, b):\n    return a + b\nassert add(1, 2) == 3\n',
    fail: 'assert 1 + 1 == 3\n',
    loop: 'while True:\n    pass\n',
    write: (file: string) => `try:\n    open(${JSON.stringify(file)}, "w").write("x")\nexcept Exception:\n    pass\n`,
    network: 'import socket\nsocket.create_connection(("1.1.1.1", 80), timeout=1)\n',
    process: 'import subprocess\nsubprocess.run(["true"])\n',
  },
  javascript: {
    pass: 'function add(a, b) { return a + b; }\nrequire("node:assert").deepEqual(add(1, 2), 3);\n',
    fail: 'require("node:assert").deepEqual(1 + 1, 3);\n',
    loop: 'while (true) {}\n',
    write: (file: string) => `try { require("node:fs").writeFileSync(${JSON.stringify(file)}, "x"); } catch {}\n`,
    network: 'require("node:net").connect(80, "1.1.1.1");\n',
    process: 'require("node:child_process").execSync("true");\n',
  },
};

for (const language of ['python', 'javascript'] as const) {
  describe(`sandbox (${language})`, () => {
    let sandbox: Sandbox | { notRun: string };
    beforeAll(async () => {
      sandbox = await Sandbox.open(language);
    });
    const p = PROGRAMS[language];
    const run = async (program: string) => {
      if ('notRun' in sandbox) return null;
      return sandbox.run(program, LIMITS);
    };

    it('passes a correct program and fails a wrong one (or says why it cannot run)', async (ctx) => {
      if ('notRun' in sandbox) {
        expect(sandbox.notRun).toMatch(/python3 is not installed/);
        ctx.skip(sandbox.notRun);
      }
      expect((await run(p.pass))!.status).toBe('passed');
      const failed = (await run(p.fail))!;
      expect(failed.status).toBe('failed');
      expect(failed.detail).toMatch(/AssertionError|ERR_ASSERTION/);
    });

    it('stops a program that loops forever at the time limit', async (ctx) => {
      if ('notRun' in sandbox) ctx.skip(sandbox.notRun);
      const r = (await run(p.loop))!;
      expect(r.status).toBe('timeout');
      expect(r.seconds).toBeGreaterThanOrEqual(LIMITS.timeoutSeconds * 0.9);
      expect(r.seconds).toBeLessThan(LIMITS.timeoutSeconds + 10);
    });

    it('stops a program that writes a file, even one that catches the error, and no file is left', async (ctx) => {
      if ('notRun' in sandbox) ctx.skip(sandbox.notRun);
      const outside = marker(`${language}-outside`);
      const r = (await run(p.write(outside)))!;
      expect(r.status).toBe('file-write');
      expect(existsSync(outside)).toBe(false);
      expect((await run(p.write('inside.txt')))!.status).toBe('file-write');
    });

    it('stops a program that reaches for the network or starts a process', async (ctx) => {
      if ('notRun' in sandbox) ctx.skip(sandbox.notRun);
      expect((await run(p.network))!.status).toBe('network');
      expect((await run(p.process))!.status).toBe('process');
    });

    it('reports the isolation it applied', (ctx) => {
      if ('notRun' in sandbox) ctx.skip(sandbox.notRun);
      const report = (sandbox as Sandbox).report(LIMITS);
      expect(report.language).toBe(language);
      expect(report.isolation.join('\n')).toMatch(/killed after 2 s/);
    });
  });
}
