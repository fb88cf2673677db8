/** The multiple-choice QA reader and its line-by-line checks. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readQa } from '../../../src/main/data/qa.js';
import { tempDir } from '../../helpers/tmp.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('slayer-data-qa-')));
afterEach(() => cleanup());

const good = { question: 'Which clause limits liability?', choices: ['Clause 1', 'Clause 7', 'Clause 9'], answer: 1 };

describe('readQa', () => {
  it('reads valid items with their source line, and hashes them', async () => {
    const file = join(dir, 'qa.jsonl');
    await writeFile(file, `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, answer: 0 })}\n`);
    const qa = await readQa(file);
    expect(qa.items).toEqual([
      { ...good, source: 'qa.jsonl:1' },
      { ...good, answer: 0, source: 'qa.jsonl:3' },
    ]);
    expect(qa.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await readQa(file)).hash).toBe(qa.hash);
  });

  const cases: [string, unknown, string][] = [
    ['missing fields', { question: 'q' }, 'qa.jsonl:1: missing "choices", "answer".'],
    ['answer out of range', { ...good, answer: 3 }, 'qa.jsonl:1: "answer" 3 is out of range: there are 3 choices, numbered 0 to 2.'],
    ['negative answer', { ...good, answer: -1 }, 'qa.jsonl:1: "answer" -1 is out of range'],
    ['answer not an index', { ...good, answer: 'B' }, 'qa.jsonl:1: "answer" must be the index of the right choice (a whole number), got "B".'],
    ['empty choices', { ...good, choices: [] }, 'qa.jsonl:1: "choices" must be a non-empty list.'],
    ['one choice', { ...good, choices: ['only'], answer: 0 }, 'qa.jsonl:1: "choices" needs at least two choices.'],
    ['empty question', { ...good, question: ' ' }, 'qa.jsonl:1: "question" must be non-empty text.'],
    ['not an object', [1, 2], 'qa.jsonl:1: not a JSON object.'],
  ];
  for (const [label, record, message] of cases) {
    it(`names file and line: ${label}`, async () => {
      await writeFile(join(dir, 'qa.jsonl'), `${JSON.stringify(record)}\n`);
      await expect(readQa(join(dir, 'qa.jsonl'))).rejects.toThrow(message);
    });
  }

  it('stops at a line that is not JSON, or skips it when asked', async () => {
    const file = join(dir, 'qa.jsonl');
    await writeFile(file, `${JSON.stringify(good)}\n{"question": \n${JSON.stringify({ ...good, answer: 5 })}\n`);
    await expect(readQa(file)).rejects.toThrow(/^qa\.jsonl:2: not valid JSON/);
    const qa = await readQa(file, { badLines: 'skip' });
    expect(qa.items).toHaveLength(1);
    expect(qa.skipped.map((s) => s.path)).toEqual(['qa.jsonl:2', 'qa.jsonl:3']);
  });

  it('refuses a folder without .jsonl files and a file without usable questions', async () => {
    await writeFile(join(dir, 'notes.txt'), 'no questions here');
    await expect(readQa(dir)).rejects.toThrow(/No \.jsonl file in .+\. QA data is JSON Lines/);
    await writeFile(join(dir, 'qa.jsonl'), `${JSON.stringify({ ...good, answer: 9 })}\n`);
    await expect(readQa(join(dir, 'qa.jsonl'), { badLines: 'skip' })).rejects.toThrow(/holds no usable questions \(1 line skipped\)/);
  });
});
