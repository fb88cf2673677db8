/**
 * The bundled sets: every name resolves to a task that loads with its format's template, and
 * the canonical solution shipped with each code problem passes its own tests in the sandbox
 * (so a model's pass@1 is measured against tests that can be passed), while an empty body fails.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledRoot, loadTasks, resolveTaskSpecs } from '../../../../src/main/evaluate/tasks/index.js';
import { Sandbox } from '../../../../src/main/evaluate/tasks/sandbox.js';
import type { CodeDoc } from '../../../../src/main/evaluate/tasks/templates.js';
import { BUNDLED_TASKS } from '../../../../src/shared/evaluation.js';

describe('bundled sets', () => {
  it('resolves domains, single sets and comma lists, and refuses unknown names', () => {
    expect(resolveTaskSpecs(['bundled:math']).map((s) => s.source)).toEqual(['bundled:math-choice', 'bundled:math-worked']);
    expect(resolveTaskSpecs(['bundled:code-js,bundled:code-js', 'my.jsonl']).map((s) => s.source)).toEqual(['bundled:code-js', 'my.jsonl']);
    expect(() => resolveTaskSpecs(['bundled:poetry'])).toThrow(/There is no bundled set "bundled:poetry"/);
  });

  it('loads every set with its records and its format', async () => {
    const tasks = await loadTasks(
      BUNDLED_TASKS.map((t) => `bundled:${t.name}`),
      {},
    );
    expect(tasks.map((t) => t.source)).toEqual(BUNDLED_TASKS.map((t) => `bundled:${t.name}`));
    for (const [i, t] of tasks.entries()) {
      expect(t.template.kind).toBe(BUNDLED_TASKS[i].kind);
      expect(t.docs.length).toBeGreaterThanOrEqual(16);
      expect(t.dataHash).toMatch(/^sha256:/);
    }
    expect(await readFile(join(bundledRoot(), 'SOURCES.md'), 'utf8')).toMatch(/Sources and licences|sources and licences/);
  });

  for (const name of ['code-python', 'code-js'] as const) {
    it(`${name}: every canonical solution passes its tests in the sandbox, an empty body does not`, async (ctx) => {
      const [task] = await loadTasks([`bundled:${name}`], {});
      const sandbox = await Sandbox.open((task.docs[0].doc as CodeDoc).language);
      if ('notRun' in sandbox) ctx.skip(sandbox.notRun);
      const records = (await readFile(join(bundledRoot(), 'code', `${name}.jsonl`), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { canonical_solution: string });
      const limits = { timeoutSeconds: 10, memoryMB: 512 };
      for (const [i, d] of task.docs.entries()) {
        const doc = d.doc as CodeDoc;
        const ran = await (sandbox as Sandbox).run(doc.programPrefix + records[i].canonical_solution + doc.programSuffix, limits);
        expect({ item: d.source, status: ran.status, detail: ran.detail }).toEqual({ item: d.source, status: 'passed', detail: '' });
      }
      const doc = task.docs[0].doc as CodeDoc;
      const empty = doc.language === 'python' ? '    pass\n' : '}\n';
      expect((await (sandbox as Sandbox).run(doc.programPrefix + empty + doc.programSuffix, limits)).status).toBe('failed');
    }, 120_000);
  }
});
