/**
 * Tasks run on a real (fixture) model: every choice's log-likelihood equals the float64
 * reference forward pass on the harness's tokens (context's own encoding + the rest of the
 * whole), for ARC-style, WinoGrande-style (partial scoring) and TruthfulQA MC2 records; the
 * metrics follow from those numbers; `slayer eval --task` prints every item's result.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateTasks } from '../../../../src/main/evaluate/index.js';
import { ModelTokenizer } from '../../../../src/main/model/tokenizer.js';
import type { TaskReport } from '../../../../src/shared/evaluation.js';
import { tempDir } from '../../../helpers/tmp.js';
import { referenceRun, writeFixtureModel } from '../../analysis/fixture.js';
import type { MemoryModel } from '../../engine/random-model.js';

let dir: string;
let cleanup: () => Promise<void>;
let modelDir: string;
let model: MemoryModel;
let tokenizer: ModelTokenizer;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-tasks-'));
  modelDir = join(dir, 'model');
  model = await writeFixtureModel(modelDir, { layers: 2, seed: 9, maxPositionEmbeddings: 128 });
  tokenizer = await ModelTokenizer.load(modelDir);
});
afterAll(() => cleanup());

/** Reference log-likelihood of continuation after context, with the harness's tokens (BOS as the tokenizer says). */
function referenceLl(context: string, continuation: string): number {
  const trimmed = context.trimEnd();
  const moved = context.slice(trimmed.length);
  const ctx = tokenizer.encode(trimmed);
  const whole = tokenizer.encode(trimmed + moved + continuation);
  const ids = [...ctx, ...whole.slice(ctx.length)];
  return referenceRun(model, ids)
    .logProbs.slice(ctx.length - 1)
    .reduce((a, b) => a + b, 0);
}

async function jsonl(name: string, records: unknown[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, records.map((r) => JSON.stringify(r)).join('\n'));
  return file;
}

describe('runTask on a model', () => {
  it('ARC, WinoGrande and TruthfulQA MC2: log-likelihoods of the reference forward pass, and the metrics they give', async () => {
    const arc = await jsonl('arc.jsonl', [
      { id: 'a1', question: 'What jumps over the lazy dog?', choices: { text: ['the quick brown fox', 'a model'], label: ['A', 'B'] }, answerKey: 'A' },
      {
        id: 'a2',
        question: 'Where are blocks added?',
        choices: { text: ['shallow layers', 'deep layers', 'nowhere'], label: ['A', 'B', 'C'] },
        answerKey: 'B',
      },
    ]);
    const wino = await jsonl('wino.jsonl', [{ sentence: 'The fox jumps over _ and runs away.', option1: 'the dog', option2: 'the model', answer: '2' }]);
    const tqa = await jsonl('tqa.jsonl', [{ question: 'Is the sky blue?', mc2_targets: { choices: ['Yes.', 'It is blue.', 'No.'], labels: [1, 1, 0] } }]);
    const result = await evaluateTasks(modelDir, { tasks: [arc, wino, tqa], threads: 1 });
    const [a, w, t] = result.tasks;

    const arcContexts = ['Question: What jumps over the lazy dog?\nAnswer:', 'Question: Where are blocks added?\nAnswer:'];
    a.results.forEach((r, i) => {
      const choices = [
        ['the quick brown fox', 'a model'],
        ['shallow layers', 'deep layers', 'nowhere'],
      ][i];
      r.logLikelihoods!.forEach((ll, k) => expect(Math.abs(ll - referenceLl(arcContexts[i], ` ${choices[k]}`))).toBeLessThan(1e-4));
    });
    expect(a.metrics.find((m) => m.name === 'acc')!.value).toBe(a.results.filter((r) => r.prediction === r.gold).length / 2);

    const wll = w.results[0].logLikelihoods!;
    expect(Math.abs(wll[0] - referenceLl('The fox jumps over the dog', ' and runs away.'))).toBeLessThan(1e-4);
    expect(Math.abs(wll[1] - referenceLl('The fox jumps over the model', ' and runs away.'))).toBeLessThan(1e-4);
    expect(w.results[0].scores.acc).toBe(wll[1] > wll[0] ? 1 : 0);

    const tll = t.results[0].logLikelihoods!;
    const p = tll.map(Math.exp);
    expect(t.results[0].scores.mc2).toBeCloseTo((p[0] + p[1]) / (p[0] + p[1] + p[2]), 6);
    expect(t.metrics).toEqual([{ name: 'mc2', value: t.results[0].scores.mc2, stderr: null }]);
  });

  it('slayer eval --task --json keeps every item, and bad records are named by file and line', async () => {
    const qa = await jsonl('qa.jsonl', [
      { question: 'What jumps over the lazy dog?', choices: ['the quick brown fox', 'a model'], answer: 0 },
      { question: 'Where are blocks added?', choices: ['shallow layers', 'deep layers'], answer: 0 },
    ]);
    const run = promisify(execFile);
    const { stdout } = await run('node', ['bin/slayer.js', 'eval', modelDir, '--task', qa, '--threads', '1', '--json']);
    const doc = JSON.parse(stdout) as { tasks: TaskReport[] };
    expect(doc.tasks[0]).toMatchObject({ name: 'qa', format: 'qa', items: 2, fewshot: { k: 0, seed: 1234 }, bos: 'tokenizer' });
    expect(doc.tasks[0].results.map((r) => r.source)).toEqual(['qa.jsonl:1', 'qa.jsonl:2']);
    const bad = await jsonl('bad.jsonl', [{ question: 'q', choices: ['a', 'b'], answer: 5 }]);
    const failed = await run('node', ['bin/slayer.js', 'eval', modelDir, '--task', bad]).catch((e: { stderr: string }) => e);
    expect((failed as { stderr: string }).stderr.trim().split('\n').at(-1)).toMatch(/^bad\.jsonl:1: "answer" 5 is out of range/);
  });
});
