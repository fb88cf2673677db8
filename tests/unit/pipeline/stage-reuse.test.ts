/**
 * When a stage is reused: its inputs hash matches and every artifact is unchanged. An artifact
 * whose files keep their sizes and modification times counts as unchanged without being read
 * (a 13 GB model folder is not hashed again on every run); one whose files changed is hashed again,
 * so a touched but identical file still counts and an edited one does not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StageRunner, readStageRecord } from '../../../src/main/pipeline/stage.js';
import { tempDir } from '../../helpers/tmp.js';

describe('stage reuse', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let model: string;
  let runs: number;
  const compute = async () => {
    runs++;
    return { output: { n: runs }, artifacts: [model] };
  };
  const runOnce = () => new StageRunner(t.dir, {}).run('model', { same: true }, compute);

  beforeEach(async () => {
    t = await tempDir();
    model = join(t.dir, 'model');
    await mkdir(join(model, 'sub'), { recursive: true });
    await writeFile(join(model, 'a.bin'), 'abcdefgh');
    await writeFile(join(model, 'sub', 'b.txt'), 'hello');
    runs = 0;
  });
  afterEach(() => t.cleanup());

  it('records each artifact with the hash of its content and a fingerprint of its files', async () => {
    await runOnce();
    const record = await readStageRecord<{ n: number }>(t.dir, 'model');
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    // The folder's hash: every file's relative path and content hash, in order, as JSON.
    const expected = sha(
      JSON.stringify([
        ['a.bin', sha('abcdefgh')],
        [join('sub', 'b.txt'), sha('hello')],
      ]),
    );
    expect(record!.artifacts).toEqual([{ path: 'model', sha256: expected, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it('reuses an unchanged stage, and one whose file was rewritten with the same bytes', async () => {
    await runOnce();
    await runOnce();
    expect(runs).toBe(1);
    const later = new Date(Date.now() + 5000);
    await writeFile(join(model, 'a.bin'), 'abcdefgh');
    await utimes(join(model, 'a.bin'), later, later);
    await runOnce();
    expect(runs).toBe(1);
  });

  it('runs again when a file changed, a file was added or removed', async () => {
    await runOnce();
    await writeFile(join(model, 'a.bin'), 'abcdefgX');
    await runOnce();
    expect(runs).toBe(2);
    await writeFile(join(model, 'c.txt'), 'new');
    await runOnce();
    expect(runs).toBe(3);
    await rm(join(model, 'c.txt'));
    await runOnce();
    expect(runs).toBe(4);
  });

  it('trusts sizes and modification times: content changed behind the same size and time is not read again', async () => {
    const file = join(model, 'a.bin');
    // A whole second, so that setting it again gives the same time to the nanosecond.
    const time = 1_700_000_000;
    await utimes(file, time, time);
    await runOnce();
    await writeFile(file, 'ABCDEFGH');
    await utimes(file, time, time);
    expect(await readFile(file, 'utf8')).toBe('ABCDEFGH');
    await runOnce();
    expect(runs).toBe(1);
  });
});
