/**
 * `slayer score` and `slayer probe` spawned as a user runs them: one JSON document on stdout
 * that `slayer plan --scores` accepts, and one plain line on stderr for bad input.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.js';
import { writeFixtureModel, writeInputIds } from './fixture.js';

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

/** The one line a failed command leaves on stderr (after any progress lines). */
const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1);

let dir: string;
let cleanup: () => Promise<void>;
let modelDir: string;
let ids: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-score-cli-'));
  modelDir = join(dir, 'model');
  await writeFixtureModel(modelDir, { layers: 3, seed: 2, maxPositionEmbeddings: 64 });
  ids = join(dir, 'ids.jsonl');
  await writeInputIds(ids, [
    [1, 5, 9, 200, 17, 3, 44, 8],
    [7, 7, 7, 7, 7],
  ]);
});
afterAll(() => cleanup());

describe('slayer score / probe', () => {
  it('score --json prints one document with the contract fields, and slayer plan --scores accepts it', async () => {
    const scored = await slayer(
      'score',
      modelDir,
      '--data',
      ids,
      '--seq-len',
      '8',
      '--samples',
      '2',
      '--seed',
      '3',
      '--threads',
      '1',
      '--spans',
      '2',
      '--json',
    );
    expect(scored.code).toBe(0);
    const doc = JSON.parse(scored.stdout);
    expect(doc).toMatchObject({ samples: 2, seqLen: 8, seed: 3, provider: 'cpu' });
    expect(doc.dataHash).toMatch(/^sha256:/);
    expect(doc.layers.map((l: Record<string, number>) => Object.keys(l).sort())).toEqual(
      Array(3).fill(['angularLast', 'angularMean', 'blockInfluence', 'index']),
    );
    const file = join(dir, 'scores.json');
    await writeFile(file, scored.stdout);
    expect(doc.spans).toEqual([{ span: 2, layers: [0, 1].map((index) => expect.objectContaining({ index })) }]);
    // 3 layers: the deep half is layers 2; the gromov rule with one layer reads the single-layer scores.
    const plan = await slayer('plan', modelDir, '--prune', 'gromov', '--prune-count', '1', '--scores', file, '--json');
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout).scores).toEqual({ layers: doc.layers, spans: doc.spans, samples: 2, seqLen: 8, dataHash: doc.dataHash });
    expect(JSON.parse(plan.stdout).removed).toEqual([2]);
  });

  it('probe --json prints layers and baseline', async () => {
    const probed = await slayer('probe', modelDir, '--kind', 'insert', '--init', 'average', '--data', ids, '--streaming', '--threads', '1', '--json');
    expect(probed.code).toBe(0);
    const doc = JSON.parse(probed.stdout);
    expect(doc.layers).toHaveLength(3);
    expect(Object.keys(doc.layers[0])).toEqual(expect.arrayContaining(['index', 'perplexity', 'qaAccuracy']));
    expect(doc.baseline).toMatchObject({ qaAccuracy: null });
    expect(doc).toMatchObject({ kind: 'insert', init: 'average', memory: { mode: 'streamed', forced: true }, seed: 0 });
  });

  it('bad input: one line naming what is wrong', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const outside = join(dir, 'outside.jsonl');
    await writeFile(outside, '{"input_ids": [1, 2, 3]}\n{"input_ids": [4, 360, 5]}\n');
    const [tooLong, noData, badIds] = await Promise.all([
      slayer('score', modelDir, '--data', ids, '--seq-len', '65'),
      slayer('score', modelDir, '--data', empty),
      slayer('probe', modelDir, '--kind', 'drop', '--data', outside),
    ]);
    expect([tooLong.code, noData.code, badIds.code]).toEqual([2, 2, 2]);
    expect(lastLine(tooLong.stderr)).toMatch(
      /^The sequence length 65 is more than the model's limit of 64 tokens \(max_position_embeddings .*\)\. Use a sequence length of at most 64/,
    );
    expect(lastLine(noData.stderr)).toMatch(/^No usable documents in .*empty/);
    expect(lastLine(badIds.stderr)).toMatch(/^outside\.jsonl:2: token id 360 at position 1 is outside the vocabulary/);
  });
});
