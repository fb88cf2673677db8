/**
 * Surgery throughput against a plain copy of the same folder. A bf16 model of ~480 MB in three
 * shards gets the default S plan (new blocks averaged in fp32, deep layers pruned, final layer
 * refreshed), and `cp -r` copies the same folder; both write to the same disk with a warm page
 * cache. Surgery fsyncs its shards before renaming them, so `cp -r` followed by `sync` of the
 * copied files is reported too: that is the like-for-like figure. Also reported: the time to
 * fingerprint the source alone (SHA-256 of every file, which surgery does concurrently), the
 * process CPU time of surgery, the copy path alone (every tensor of the source copied through
 * the surgery's writer, as kept layers are), and a LLaMA Pro plan (copies and zeros only, plus
 * the function check's two streamed forward passes).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashFolder } from '../../../src/main/fs/hash-folder.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import { sourceShardBytes } from '../../../src/main/model/write-model-weights.js';
import { outputTensors } from '../../../src/main/surgery/recipes.js';
import { writeWeights } from '../../../src/main/surgery/write-weights.js';

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

    let best = { seconds: Infinity, bytesWritten: 0, cpuSeconds: 0 };
    let hashSeconds = Infinity;
    let llamaProSeconds = Infinity;
    let copyPathSeconds = Infinity;
    const folder = await ModelFolder.open(modelDir);
    const identity = makePlan(description, { strategy: 'last-k', lastK: 1 });
    const allCopies = outputTensors(folder, identity);
    const llamaPro = makePlan(description, { strategy: 'llama-pro', expand: 4 });
    let copySeconds = Infinity;
    let copySyncSeconds = Infinity;
    for (let r = 0; r < REPEATS; r++) {
      const copy = join(root, 'copy');
      copySeconds = Math.min(
        copySeconds,
        timed(() => execFileSync('cp', ['-r', modelDir, copy])),
      );
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
      const cpu = process.cpuUsage();
      const result = await applyPlan(modelDir, plan, out);
      const used = process.cpuUsage(cpu);
      if (result.seconds < best.seconds) best = { ...result, cpuSeconds: (used.user + used.system) / 1e6 };
      await rm(out, { recursive: true });

      const hashStart = performance.now();
      await hashFolder(modelDir);
      hashSeconds = Math.min(hashSeconds, (performance.now() - hashStart) / 1000);

      llamaProSeconds = Math.min(llamaProSeconds, (await applyPlan(modelDir, llamaPro, out)).seconds);
      await rm(out, { recursive: true });

      await mkdir(out);
      const copyStart = performance.now();
      await writeWeights(folder, allCopies, out, sourceShardBytes(folder), {});
      copyPathSeconds = Math.min(copyPathSeconds, (performance.now() - copyStart) / 1000);
      await rm(out, { recursive: true });
    }

    await folder.close();
    const surgeryMBps = best.bytesWritten / MB / best.seconds;
    const copyMBps = sourceBytes / MB / copySeconds;
    const copySyncMBps = sourceBytes / MB / copySyncSeconds;
    return {
      model: `${description.layers} layers, hidden ${description.hiddenSize}, bf16, ${(sourceBytes / MB).toFixed(0)} MB`,
      plan: `S: ${plan.counts.layers} layers (+${plan.settings.expand} new, -${plan.removed.length} pruned, refresh ${plan.settings.refresh})`,
      surgeryBytes: best.bytesWritten,
      surgerySeconds: best.seconds,
      surgeryCpuSeconds: best.cpuSeconds,
      surgeryMBps,
      sourceHashSeconds: hashSeconds,
      copyPathSeconds,
      copyPathMBps: sourceBytes / MB / copyPathSeconds,
      llamaProPlanSeconds: llamaProSeconds,
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
