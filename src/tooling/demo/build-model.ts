/**
 * Rebuilds the bundled demo model (resources/demo/model): `npm run demo:model`.
 * A small Llama-architecture model (8 layers, GQA, tied embeddings, a byte-level BPE tokenizer
 * learned from the demo text) initialised at random and pretrained from scratch by the
 * project's own trainer on Moby-Dick (resources/demo/corpora/general). Seeded end to end: the
 * same code and data give the same weights. TRAINING.md records the settings and the loss curve.
 */
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { generateTestModel } from '../test-model.js';
import { train, type TrainResult } from '../../main/train/index.js';
import type { TaskControl } from '../../shared/progress.js';

export const DEMO_MODEL_SHAPE = {
  family: 'llama',
  layers: 8,
  hiddenSize: 192,
  intermediateSize: 512,
  heads: 4,
  kvHeads: 2,
  vocabSize: 4096,
  maxPositionEmbeddings: 512,
  tied: true,
} as const;

export const DEMO_TRAINING = { steps: 400, seqLen: 256, batch: 8, lr: 2e-3, warmup: 30, schedule: 'cosine', weightDecay: 0.1, seed: 7 } as const;

/** Text the tokenizer learns its merges from: the general corpus plus a little of each domain, so domain words are not all bytes. */
async function tokenizerText(root: string): Promise<string> {
  const read = async (dir: string, limit: number) => {
    let text = '';
    for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!e.isFile() || text.length >= limit) continue;
      text += `${await readFile(join(e.parentPath, e.name), 'utf8')}\n`;
    }
    return text.slice(0, limit);
  };
  const corpora = join(root, 'corpora');
  return [
    await read(join(corpora, 'general'), 300_000),
    await read(join(corpora, 'code'), 30_000),
    await read(join(corpora, 'legal'), 30_000),
    await read(join(corpora, 'math'), 30_000),
  ].join('\n');
}

export async function buildDemoModel(root: string, control: TaskControl = {}, steps: number = DEMO_TRAINING.steps): Promise<TrainResult> {
  const work = join(tmpdir(), `slayer-demo-model-${process.pid}`);
  const init = join(work, 'init');
  const trained = join(work, 'trained');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    await generateTestModel(init, {
      ...DEMO_MODEL_SHAPE,
      dtype: 'f32',
      seed: DEMO_TRAINING.seed,
      tokenizer: 'byte-level',
      tokenizerText: await tokenizerText(root),
    });
    const result = await train(
      init,
      {
        data: join(root, 'corpora', 'general'),
        out: trained,
        steps,
        seqLen: DEMO_TRAINING.seqLen,
        batch: DEMO_TRAINING.batch,
        lr: DEMO_TRAINING.lr,
        warmup: DEMO_TRAINING.warmup,
        schedule: DEMO_TRAINING.schedule,
        weightDecay: DEMO_TRAINING.weightDecay,
        seed: DEMO_TRAINING.seed,
        trainable: 'all',
        checkpointEvery: 100,
        dtype: 'bf16',
      },
      control,
    );
    const target = join(root, 'model');
    await rm(target, { recursive: true, force: true });
    await cp(trained, target, { recursive: true, filter: (src) => !src.includes('checkpoints') });
    await recordPortablePaths(join(target, 'slayer.json'));
    await writeFile(join(target, 'TRAINING.md'), trainingRecord(result));
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The training record names the temporary initial model and the absolute data folder of the
 * machine that built it; the bundled copy names them as they are found in the repository.
 */
async function recordPortablePaths(recordFile: string): Promise<void> {
  const record = JSON.parse(await readFile(recordFile, 'utf8')) as { training: { model: string; data: string } };
  record.training.model = `random initialisation (seed ${DEMO_TRAINING.seed}, src/tooling/demo/build-model.ts)`;
  record.training.data = 'resources/demo/corpora/general';
  await writeFile(recordFile, `${JSON.stringify(record, null, 2)}\n`);
}

function trainingRecord(r: TrainResult): string {
  const every = Math.max(1, Math.floor(r.losses.length / 40));
  const rows = r.losses.map((l, i) => [i + 1, l] as const).filter(([s]) => s % every === 0 || s === 1 || s === r.losses.length);
  return `# The SLayer Studio demo model

A ${DEMO_MODEL_SHAPE.layers}-layer Llama-architecture model (hidden ${DEMO_MODEL_SHAPE.hiddenSize}, MLP ${DEMO_MODEL_SHAPE.intermediateSize}, ${DEMO_MODEL_SHAPE.heads} heads / ${DEMO_MODEL_SHAPE.kvHeads} KV heads, vocabulary ${DEMO_MODEL_SHAPE.vocabSize}, tied embeddings, ${r.trainableParameters.toLocaleString('en')} parameters), stored in bf16.
Initialised at random (seed ${DEMO_TRAINING.seed}) and pretrained from scratch by SLayer Studio's own trainer (\`slayer train --trainable all\`) on Moby-Dick (resources/demo/corpora/general).
Its byte-level BPE tokenizer was learned from that text plus a little code, legal and math text (src/tooling/demo/build-model.ts).

Rebuild: \`npm run demo:model\` (deterministic; about ${Math.round(r.seconds / 60)} minutes on 2 CPU cores).

| setting | value |
|---|---|
| steps | ${r.steps} |
| sequence length × batch | ${DEMO_TRAINING.seqLen} × ${DEMO_TRAINING.batch} |
| optimizer | AdamW (0.9, 0.95), eps 1e-8, weight decay ${DEMO_TRAINING.weightDecay} |
| learning rate | ${DEMO_TRAINING.lr}, ${DEMO_TRAINING.warmup} warmup steps, ${DEMO_TRAINING.schedule} decay |
| training data hash | \`${r.dataHash}\` |
| tokens per second | ${Math.round(r.tokensPerSecond)} |

## Training loss (nats per token)

| step | loss |
|---|---|
${rows.map(([s, l]) => `| ${s} | ${l.toFixed(4)} |`).join('\n')}
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../../../resources/demo', import.meta.url));
  const steps = process.argv[2] ? Number(process.argv[2]) : undefined;
  let last = 0;
  const result = await buildDemoModel(
    root,
    {
      onProgress: (p) => {
        if (Date.now() - last > 5000) {
          last = Date.now();
          process.stderr.write(`${p.fraction === null ? '' : `${Math.round(p.fraction * 100)}% `}${p.message}\n`);
        }
      },
    },
    steps,
  );
  process.stdout.write(
    `${JSON.stringify({ steps: result.steps, firstLoss: result.losses[0], lastLoss: result.losses.at(-1), tokensPerSecond: result.tokensPerSecond, seconds: result.seconds })}\n`,
  );
}
