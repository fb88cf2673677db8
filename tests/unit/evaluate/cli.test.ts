/**
 * `slayer eval` and `slayer generate` spawned as a user runs them: the contract's JSON fields,
 * and one line naming file and line for bad QA data.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.js';
import { writeFixtureModel, writeInputIds } from '../analysis/fixture.js';

const run = promisify(execFile);

async function slayer(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/slayer.js', ...args], { cwd: process.cwd() });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1);
const QA = [
  { question: 'What jumps over the lazy dog?', choices: ['the quick brown fox', 'a model'], answer: 0 },
  { question: 'Where are blocks added?', choices: ['shallow layers', 'deep layers'], answer: 0 },
];

let dir: string;
let cleanup: () => Promise<void>;
let modelDir: string;
let ids: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-eval-cli-'));
  modelDir = join(dir, 'model');
  await writeFixtureModel(modelDir, { layers: 2, seed: 5 });
  ids = join(dir, 'ids.jsonl');
  await writeInputIds(ids, [
    [1, 5, 9, 200, 17, 3, 44, 8],
    [7, 8, 9],
  ]);
});
afterAll(() => cleanup());

describe('slayer eval / generate', () => {
  it('eval --json prints the contract fields with the settings that reproduce them', async () => {
    const qa = join(dir, 'qa.jsonl');
    await writeFile(qa, QA.map((q) => JSON.stringify(q)).join('\n'));
    const r = await slayer('eval', modelDir, '--data', ids, '--qa', qa, '--seq-len', '8', '--threads', '1', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ tokens: 9, seqLen: 8, seed: 0, samples: 2, qa: { items: 2 } });
    expect(doc.perplexity).toBeCloseTo(Math.exp(doc.meanNll), 10);
    expect(doc.qa.accuracy).toBeGreaterThanOrEqual(0);
    expect(doc.qa.accuracyNorm).toBeLessThanOrEqual(1);
    expect(doc.dataHash).toMatch(/^sha256:/);
    expect(doc.qaHash).toMatch(/^sha256:/);
  });

  it('generate --json returns the text, the token ids and the sampling settings', async () => {
    const a = await slayer(
      'generate',
      modelDir,
      '--prompt',
      'The quick',
      '--max-tokens',
      '4',
      '--temperature',
      '0.8',
      '--top-k',
      '50',
      '--seed',
      '9',
      '--threads',
      '1',
      '--json',
    );
    expect(a.code).toBe(0);
    const doc = JSON.parse(a.stdout);
    expect(doc).toMatchObject({ prompt: 'The quick', seed: 9, temperature: 0.8, topK: 50, maxTokens: 4 });
    expect(typeof doc.text).toBe('string');
    expect(doc.tokens.length).toBeGreaterThan(0);
    expect(doc.promptTokens.length).toBeGreaterThan(1);
  });

  it('bad QA lines: one line naming the file and line', async () => {
    const missing = join(dir, 'missing.jsonl');
    await writeFile(missing, `${JSON.stringify(QA[0])}\n{"question": "Why?", "answer": 0}\n`);
    const range = join(dir, 'range.jsonl');
    await writeFile(range, `${JSON.stringify({ ...QA[1], answer: 2 })}\n`);
    const [r1, r2] = await Promise.all([slayer('eval', modelDir, '--data', ids, '--qa', missing), slayer('eval', modelDir, '--data', ids, '--qa', range)]);
    expect([r1.code, r2.code]).toEqual([2, 2]);
    expect(lastLine(r1.stderr)).toMatch(/^missing\.jsonl:2: missing "choices"/);
    expect(lastLine(r2.stderr)).toMatch(/^range\.jsonl:1: "answer" 2 is out of range: there are 2 choices/);
  });
});
