/**
 * Time and disk before a job starts. Expected values are computed by hand in the comments: the
 * parameter count of a small Llama config term by term, the work of each job from it, the median
 * of measured rates, and the free space a fake statfs reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig } from '../../../src/main/model/config.js';
import {
  applyWork,
  diskRefusal,
  DISK_MARGIN_BYTES,
  estimateJob,
  exportWork,
  freeBytesAt,
  jobTime,
  measureSpeed,
  probeWork,
  requireDiskRoom,
  requireRoomForJob,
  scoreWork,
  SMALL_OUTPUT_BYTES,
  speedFrom,
  trainShape,
  trainWork,
  type Measurement,
  type Statfs,
} from '../../../src/main/estimate/index.js';
import { Backend } from '../../../src/main/api/backend.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { isUserError } from '../../../src/shared/errors.js';
import type { JobRecord } from '../../../src/shared/jobs.js';
import type { MachineSpeed } from '../../../src/shared/job-estimate.js';
import { tempDir } from '../../helpers/tmp.js';

// hidden 8, 2 heads of 4 (1 KV head), MLP 16, vocabulary 32, 4 layers, untied, stored in bf16.
const config = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 8,
  intermediate_size: 16,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  num_hidden_layers: 4,
  vocab_size: 32,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
};
const m = parseModelConfig(config);
// Block: q 8x8=64, k 8x4=32, v 32, o 64, gate/up/down 3x8x16=384, two norms 16 -> 592.
const BLOCK = 592;
// Globals: embeddings 32x8=256, final norm 8, LM head 256 -> 520. Model: 520 + 4 x 592 = 2888.
const GLOBALS = 520;
const P = 2888;

describe('the work of each job', () => {
  it('scores and evaluations read parameters x tokens once', () => {
    expect(scoreWork(m, 2, 10)).toEqual({ forward: P * 20, train: 0, bytes: 0 });
  });

  it('probes pass L(L+1)/2 blocks and the model once, plus the ends per run', () => {
    // 4 x 5 / 2 = 10 blocks: 2888 + 10 x 592 + 4 x 520 = 10888 per token, 20 tokens.
    expect(probeWork(m, 2, 10).forward).toBe(10888 * 20);
    expect(10888).toBe(P + 10 * BLOCK + 4 * GLOBALS);
  });

  it('training reads steps x batch x accumulation x length tokens and writes the model and three checkpoints', () => {
    const shape = trainShape({ steps: 10, batch: 2, seqLen: 10, dtype: 'f32' }, 2 * BLOCK);
    expect(shape).toEqual({ steps: 10, batch: 2, gradAccum: 1, seqLen: 10, trainedParameters: 1184, keepCheckpoints: 2, dtype: 'f32' });
    // 200 tokens; model 2888 x 4 = 11552 B + 100 B of tokenizer; checkpoints (2 + 1) x 1184 x 12 = 42624 B.
    expect(trainWork(m, shape, 100)).toEqual({ forward: 0, train: P * 200, bytes: 11552 + 100 + 42624 });
  });

  it('the surgery writes the plan model stored like its base; exports at their dtype', () => {
    expect(applyWork(m, 3480, 50).bytes).toBe(3480 * 2 + 50);
    expect(exportWork(m, 'gguf', 'f16', 0).bytes).toBe(P * 2);
    expect(exportWork(m, 'hf', undefined, 7).bytes).toBe(P * 2 + 7);
    expect(exportWork(m, 'llamafactory', undefined, 7).bytes).toBe(SMALL_OUTPUT_BYTES);
  });
});

describe("this machine's speed", () => {
  const at = (n: number) => `2026-01-01T00:00:0${n}.000Z`;
  it('is the median rate of the newest five jobs of each kind and provider', () => {
    const ms: Measurement[] = [
      { kind: 'forward', provider: 'cpu', amount: 1000, seconds: 1, endedAt: at(0) }, // oldest of six: left out
      { kind: 'forward', provider: 'cpu', amount: 10, seconds: 2, endedAt: at(1) }, // 5
      { kind: 'forward', provider: 'cpu', amount: 30, seconds: 3, endedAt: at(2) }, // 10
      { kind: 'forward', provider: 'cpu', amount: 8, seconds: 1, endedAt: at(3) }, // 8
      { kind: 'forward', provider: 'cpu', amount: 12, seconds: 2, endedAt: at(4) }, // 6
      { kind: 'forward', provider: 'cpu', amount: 14, seconds: 2, endedAt: at(5) }, // 7
      { kind: 'forward', provider: 'webgpu', amount: 40, seconds: 2, endedAt: at(5) }, // 20
      { kind: 'train', provider: 'cpu', amount: 3, seconds: 1, endedAt: at(5) },
      { kind: 'apply', provider: 'disk', amount: 100, seconds: 4, endedAt: at(1) }, // 25
      { kind: 'apply', provider: 'disk', amount: 300, seconds: 4, endedAt: at(2) }, // 75 -> median 50
    ];
    // cpu rates 5, 10, 8, 6, 7 -> median 7.
    expect(speedFrom(ms)).toEqual({ forward: { cpu: 7, webgpu: 20 }, train: { cpu: 3 }, write: { apply: 50, export: null }, jobs: 10 });
  });

  it('reads the finished jobs: tokens x parameters of the model they ran on', async () => {
    const job = (kind: string, result: unknown, params = {}, state = 'succeeded'): JobRecord =>
      ({
        id: kind,
        kind,
        params,
        projectId: null,
        state,
        createdAt: at(0),
        startedAt: at(0),
        endedAt: at(1),
        progress: null,
        error: null,
        errorDetail: null,
        result,
      }) as JobRecord;
    const speed = await measureSpeed(
      [
        job('score', { seconds: 4, tokens: 100, provider: 'cpu', model: { dir: '/m', layers: 4 } }),
        job('train', { seconds: 50, tokensPerSecond: 20, provider: 'cpu' }, { modelDir: '/m' }),
        job('export', { seconds: 2, bytesWritten: 1000 }),
        job('score', { seconds: 1, tokens: 100, provider: 'cpu', model: { dir: '/gone', layers: 4 } }),
        job('score', { seconds: 1, tokens: 100 }, {}, 'failed'),
      ],
      async (dir) => (dir === '/m' ? P : null),
    );
    // score: 100 x 2888 / 4 s = 72200; train: 20 tokens/s x 2888 = 57760; export: 1000 B / 2 s = 500.
    expect(speed).toEqual({ forward: { cpu: 72200 }, train: { cpu: 57760 }, write: { apply: null, export: 500 }, jobs: 3 });
  });

  it('turns work into seconds on the provider the job will use, or says there is no measurement yet', () => {
    const speed: MachineSpeed = { forward: { cpu: 5776, webgpu: 11552 }, train: {}, write: { apply: 100, export: null }, jobs: 3 };
    const work = scoreWork(m, 2, 10); // 57760 parameter-tokens
    expect(jobTime('score', work, speed, 'cpu').seconds).toBe(10);
    expect(jobTime('score', work, speed, 'auto').seconds).toBe(5);
    expect(jobTime('score', work, speed, 'auto').basis).toMatch(/on the GPU/);
    expect(jobTime('train', trainWork(m, trainShape({ steps: 1 }, 0), 0), speed, 'cpu')).toEqual({
      seconds: null,
      basis: expect.stringMatching(/No training has run/),
    });
    expect(jobTime('apply', { forward: 0, train: 0, bytes: 1000 }, speed, 'cpu').seconds).toBe(10);
    expect(jobTime('export', { forward: 0, train: 0, bytes: 1000 }, speed, 'cpu').seconds).toBeNull();
  });
});

describe('the disk check', () => {
  const MiB = 2 ** 20;
  // 100 blocks of 4096 bytes free; paths that do not exist yet are checked at their nearest parent.
  const small: Statfs = async (path) => {
    if (path.endsWith('not-yet')) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return { bavail: 100, bsize: 4096 };
  };

  it('reads the free space of the nearest existing folder', async () => {
    expect(await freeBytesAt('/somewhere/not-yet', small)).toBe(409600);
  });

  it('refuses work that does not fit with the margin, in one line that says how much to free', () => {
    expect(diskRefusal('Training', '/out', 100 * MiB, 1024 * MiB)).toBeNull();
    expect(DISK_MARGIN_BYTES).toBe(256 * MiB);
    // 1024 + 256 - 512 = 768 MiB short.
    const line = diskRefusal('Training', '/out', 1024 * MiB, 512 * MiB)!;
    expect(line).toBe(
      "Training needs about 1.0 GB on disk, but /out has 512 MB free. Free at least 768 MB there (old projects' models, checkpoints or exports in the data folder are the usual culprits), or write to another disk.",
    );
  });

  it('throws the refusal as a user error', async () => {
    const e = await requireDiskRoom('The export', '/x/not-yet', 1, small).catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toMatch(/^The export needs about 1 B on disk, but \/x\/not-yet has 400 KB free/);
  });
});

describe('estimates and refusals of real jobs', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let modelDir: string;
  const tiny: Statfs = async () => ({ bavail: 1, bsize: 4096 });
  const roomy: Statfs = async () => ({ bavail: 2 ** 30, bsize: 4096 });

  beforeAll(async () => {
    t = await tempDir('slayer-estimate-');
    modelDir = join(t.dir, 'model');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'config.json'), JSON.stringify(config));
    await writeFile(join(modelDir, 'model.safetensors'), Buffer.alloc(16));
  });
  afterAll(() => t.cleanup());

  it('estimates an export: bytes at the dtype plus the files beside the weights, against the free space', async () => {
    const besides = Buffer.byteLength(JSON.stringify(config));
    const speed: MachineSpeed = { forward: {}, train: {}, write: { apply: null, export: P * 2 + besides }, jobs: 1 };
    const e = await estimateJob('export', { modelDir, format: 'hf', out: join(t.dir, 'out') }, speed, roomy);
    expect(e).toEqual({ kind: 'export', seconds: 1, basis: expect.any(String), diskBytes: P * 2 + besides, freeBytes: 2 ** 30 * 4096, refusal: null });
    const refused = await estimateJob('export', { modelDir, format: 'hf', out: join(t.dir, 'out') }, speed, tiny);
    expect(refused.refusal).toMatch(/^The export needs about 5\.\d KB on disk/);
  });

  it('times a training of default steps as one pass over the built corpus', async () => {
    const data = join(t.dir, 'corpus');
    await mkdir(data);
    await writeFile(join(data, 'corpus.json'), JSON.stringify({ seqLen: 10, split: { train: { documents: 3, tokens: 70, sequences: 7 } } }));
    // ceil(7 sequences / batch 2) = 4 steps of 2 x 10 tokens = 80 tokens; at P parameter-tokens per second: 80 s.
    const speed: MachineSpeed = { forward: {}, train: { cpu: P }, write: { apply: null, export: null }, jobs: 1 };
    const e = await estimateJob('train', { modelDir, data, out: join(t.dir, 'trained'), batch: 2, trainable: 'all', provider: 'cpu' }, speed, roomy);
    expect(e.seconds).toBe(80);
    // The model at f32 (the trainer's default) plus the config file, and three checkpoints of every value: 2888 x 4 + config + 3 x 2888 x 12.
    expect(e.diskBytes).toBe(P * 4 + Buffer.byteLength(JSON.stringify(config)) + 3 * P * 12);
  });

  it('the command line and jobs.start share the refusal', async () => {
    const e = await requireRoomForJob('export', { modelDir, format: 'gguf', out: join(t.dir, 'x.gguf') }, tiny).catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
    const backend = await Backend.create({ home: join(t.dir, 'home'), mode: 'browser', launcher: forkLauncher, statfs: tiny });
    try {
      const started = await backend.invoke('jobs.start', { kind: 'export', params: { modelDir, format: 'hf', out: join(t.dir, 'out') } });
      expect(started).toEqual({ ok: false, error: expect.stringMatching(/^The export needs about .* Free at least/) });
      expect(await backend.invoke('jobs.list', {})).toEqual({ ok: true, value: [] });
    } finally {
      await backend.close();
    }
  });
});
