/** Closing the app mid-training stops the run the way "stop and save" does: a resumable checkpoint. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobManager } from '../../../src/main/jobs/manager.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { tempDir } from '../../helpers/tmp.js';

describe('app shutdown during training', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => (t = await tempDir()));
  afterAll(() => t.cleanup());

  it('saves a checkpoint and records the run as stopped, so it can be resumed', async () => {
    const model = join(t.dir, 'model');
    await generateTestModel(model, { layers: 2, hiddenSize: 32, intermediateSize: 64, heads: 4, vocabSize: 320, seed: 2 });
    const docs = join(t.dir, 'docs');
    await mkdir(docs);
    await writeFile(join(docs, 'a.txt'), 'The whale swam on through the night sea. '.repeat(200));
    const manager = new JobManager(join(t.dir, 'jobs'), forkLauncher);
    await manager.init();
    const out = join(t.dir, 'trained');
    const job = await manager.start('train', {
      modelDir: model,
      data: docs,
      out,
      steps: 100_000,
      seqLen: 16,
      batch: 2,
      trainable: 'all',
      seed: 0,
      resume: false,
      overwrite: false,
      checkpointEvery: 0,
    });
    await new Promise<void>((resolve) => {
      const onProgress = (p: { id: string; message: string }) => {
        if (p.id === job.id && /Step \d+/.test(p.message)) {
          manager.off('progress', onProgress);
          resolve();
        }
      };
      manager.on('progress', onProgress);
    });
    await manager.shutdown();
    const record = manager.get(job.id);
    expect(record.state).toBe('cancelled');
    expect(await readdir(join(out, 'checkpoints'))).not.toHaveLength(0);
  });
});
