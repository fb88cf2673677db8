/**
 * Surgery throughput against a plain copy of the same folder. A bf16 model of ~480 MB in three
 * shards gets the default S plan (new blocks averaged in fp32, deep layers pruned, final layer
 * refreshed), and `cp -r` copies the same folder; both write to the same disk with a warm page
 * cache. Surgery fsyncs its shards before renaming them, so `cp -r` followed by `sync` of the
 * copied files is reported too: that is the like-for-like figure.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/main/model/generate.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';

const MB = 1e6;
const REPEATS = 3;

async function folderBytes(dir: string): Promise<number> {
  const names = await readdir(dir);
  return (await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size))).reduce((a, b) => a + b, 0);
}

function timed(work: () => void): number {
  const start = performance.now();
  work();
  return (performance.now() - start) / 1000;
}

export async function run(): Promise<Record<string, unknown>> {
  const root = await mkdtemp(join(tmpdir(), 'slayer-bench-surgery-'));
  try {
    const modelDir = join(root, 'model');
    const { description } = await generateTestModel(modelDir, {
      layers: 16,
      hiddenSize: 1024,
      intermediateSize: 2816,
      heads: 16,
      kvHeads: 4,
      vocabSize: 16000,
      dtype: 'bf16',
      shardBytes: 200 * MB,
      seed: 1,
    });
    const sourceBytes = await folderBytes(modelDir);
    const plan = makePlan(description, { strategy: 's' });

    let best = { seconds: Infinity, bytesWritten: 0 };
    let copySeconds = Infinity;
    let copySyncSeconds = Infinity;
    for (let r = 0; r < REPEATS; r++) {
      const copy = join(root, 'copy');
      copySeconds = Math.min(copySeconds, timed(() => execFileSync('cp', ['-r', modelDir, copy])));
      await rm(copy, { recursive: true });
      copySyncSeconds = Math.min(
        copySyncSeconds,
        timed(() => {
          execFileSync('cp', ['-r', modelDir, copy]);
          execFileSync('sh', ['-c', 'sync "$0"/*', copy]);
        }),
      );
      await rm(copy, { recursive: true });

      const out = join(root, 'out');
      const result = await applyPlan(modelDir, plan, out);
      if (result.seconds < best.seconds) best = result;
      await rm(out, { recursive: true });
    }

    const surgeryMBps = best.bytesWritten / MB / best.seconds;
    const copyMBps = sourceBytes / MB / copySeconds;
    const copySyncMBps = sourceBytes / MB / copySyncSeconds;
    return {
      model: `${description.layers} layers, hidden ${description.hiddenSize}, bf16, ${(sourceBytes / MB).toFixed(0)} MB`,
      plan: `S: ${plan.counts.layers} layers (+${plan.settings.expand} new, -${plan.removed.length} pruned, refresh ${plan.settings.refresh})`,
      surgeryBytes: best.bytesWritten,
      surgerySeconds: best.seconds,
      surgeryMBps,
      copyBytes: sourceBytes,
      copySeconds,
      copyMBps,
      copySyncSeconds,
      copySyncMBps,
      ratioToCopy: surgeryMBps / copyMBps,
      ratioToCopySync: surgeryMBps / copySyncMBps,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
