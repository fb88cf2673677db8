/**
 * Choosing the GPU: what the adapter probe reports, the GPU memory arithmetic of a 7B S plan
 * (it must fit layout (b) on a 24 GB GPU with 64 GB of host memory), fp16 conversion, and what a
 * user sees without a GPU: `--provider webgpu` fails in one line, `auto` runs on the CPU and says
 * why; a GPU that kills the compute process fails that job in one line.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuReport } from '../../../src/shared/compute.js';
import { crashReason } from '../../../src/main/jobs/manager.js';
import { judgeGpu, gpuTrainingEstimates } from '../../../src/main/memory/device.js';
import { parseModelConfig } from '../../../src/main/model/config.js';
import { GraphBuilder } from '../../../src/main/engine/onnx/graph-builder.js';
import { fromHalfBits, toHalfBits } from '../../../src/main/engine/onnx/half.js';
import { estimatePlan, makePlan, trainingShape } from '../../../src/main/plan/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { seededRandom } from '../engine/random-model.js';
import { tinyModelFolder, writeTokenData } from '../train/helpers.js';
import { gpu } from './gpu-available.js';

const GiB = 2 ** 30;

describe('the GPU adapter', () => {
  it('answers where CI installed a driver (SLAYER_REQUIRE_GPU), and says what it is', () => {
    if (process.env.SLAYER_REQUIRE_GPU) expect(gpu.adapter, gpu.problem ?? '').not.toBeNull();
    if (!gpu.adapter) {
      expect(gpu.problem).toMatch(/\S/);
      return;
    }
    expect(gpu.adapter.name).toMatch(/\S/);
    expect(['Vulkan', 'Metal', 'Direct3D 12']).toContain(gpu.adapter.backend);
    expect(gpu.adapter.maxBufferBytes).toBeGreaterThan(0);
    if (gpu.adapter.name === 'llvmpipe') {
      expect(gpu.adapter).toMatchObject({ software: true, backend: 'Vulkan', memory: { source: 'shared' } });
    }
  });
});

describe('GPU memory arithmetic', () => {
  const m = parseModelConfig(JSON.parse(readFileSync('tests/fixtures/reference-configs/llama-2-7b.json', 'utf8')));
  const plan = makePlan(m, { strategy: 's', paper: true });
  const host = { totalBytes: 64 * GiB, freeBytes: 60 * GiB };
  const card: GpuReport = {
    adapter: {
      name: 'a 24 GB card',
      driver: '',
      vendor: 'nvidia',
      architecture: '',
      backend: 'Vulkan',
      software: false,
      shaderF16: true,
      maxBufferBytes: 4 * GiB,
      memory: { totalBytes: 24 * GiB, freeBytes: null, source: 'nvidia-smi' },
    },
    problem: null,
  };

  it('the paper S plan of Llama-2-7B (1.82 B trained) fits layout (b) on a 24 GB GPU with 64 GB of host memory, and not layout (a)', () => {
    expect(plan.counts.trainableParameters).toBe(1_821_450_240);
    const [a, b] = gpuTrainingEstimates(m, 2, trainingShape(plan, 1, 512), 'fp16');
    const part = (e: typeof a, side: 'device' | 'host', name: string) => e[side].parts.find((p) => p.name === name)!.bytes;
    // By hand: (b) holds every weight in fp16 on the GPU, and fp32 master, gradient and two moments per trained weight on the host.
    expect(part(b, 'device', 'Weights')).toBe(2 * 7_952_715_776);
    expect(part(b, 'host', 'Trained weights') + part(b, 'host', 'Gradients') + part(b, 'host', 'Optimizer')).toBe(16 * 1_821_450_240);
    // (a) adds those 16 bytes per trained weight to the GPU, beside the frozen weights in fp16.
    expect(part(a, 'device', 'Frozen weights')).toBe(2 * (7_952_715_776 - 1_821_450_240));
    expect(a.device.totalBytes - b.device.totalBytes).toBe(14 * 1_821_450_240);

    const judged = judgeGpu([a, b], card.adapter!.memory, host);
    expect(judged.chosen?.layout).toBe('offload');
    expect(judged.fit).toBe('fits');
    expect(a.device.totalBytes).toBeGreaterThan(24 * GiB);
    expect(b.device.totalBytes).toBeLessThan(0.9 * 24 * GiB);

    const estimate = estimatePlan(plan, m, { batch: 1, seqLen: 512, machine: host, gpu: card });
    expect(estimate.gpu).toMatchObject({ layout: 'offload', fit: 'fits', precision: 'fp16', note: null });
    // Without a GPU the arithmetic is still shown, with a note.
    const none = estimatePlan(plan, m, { batch: 1, seqLen: 512, machine: host, gpu: { adapter: null, problem: 'no driver' } });
    expect(none.gpu).toMatchObject({ layout: null, fit: null });
    expect(none.gpu!.note).toContain('no driver');
    expect(none.gpu!.layouts.map((l) => l.device.totalBytes)).toEqual([a.device.totalBytes, b.device.totalBytes]);
  });
});

describe('fp16 bit patterns', () => {
  it('match hand-written values and onnxruntime Cast (round to nearest even) on random numbers', async () => {
    // [x, its fp16 bits, the value those bits stand for]
    const known: [number, number, number][] = [
      [0, 0x0000, 0],
      [-0, 0x8000, -0],
      [1, 0x3c00, 1],
      [-2, 0xc000, -2],
      [65504, 0x7bff, 65504],
      [65520, 0x7c00, Infinity], // rounds up past the largest finite value
      [2 ** -14, 0x0400, 2 ** -14],
      [2 ** -24, 0x0001, 2 ** -24],
      [2 ** -26, 0x0000, 0],
      [1 + 2 ** -11, 0x3c00, 1], // a tie: to the even 1.0
      [1 + 3 * 2 ** -11, 0x3c02, 1 + 2 ** -9], // a tie: to the even neighbour above
      [Infinity, 0x7c00, Infinity],
    ];
    for (const [x, bits, value] of known) {
      expect(toHalfBits(x), String(x)).toBe(bits);
      expect(Object.is(fromHalfBits(bits), value), String(x)).toBe(true);
    }
    const random = seededRandom(11);
    const values = Float32Array.from({ length: 4096 }, (_, i) => (random() - 0.5) * 2 ** ((i % 40) - 26));
    const g = new GraphBuilder('cast');
    g.output('y', g.op('Cast', [g.input('x', 'float32', [values.length])], { to: 10 }), 'float16', [values.length]);
    const session = await ort.InferenceSession.create(g.build().bytes);
    const cast = (await session.run({ x: new ort.Tensor('float32', values, [values.length]) })).y.data as Uint16Array;
    await session.release();
    values.forEach((x, i) => expect(toHalfBits(x), String(x)).toBe(cast[i]));
  });
});

describe('without a GPU', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('slayer-no-gpu-'));
    model = (await tinyModelFolder(join(dir, 'model'))).dir;
    await writeTokenData(join(dir, 'data.jsonl'), [8, 8, 8], 53, 1);
  });
  afterAll(async () => cleanup());

  /** `slayer score` with the Vulkan loader pointed at no driver: no adapter can answer. */
  async function score(provider: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const args = ['bin/slayer.js', 'score', model, '--data', join(dir, 'data.jsonl'), '--samples', '3', '--seq-len', '8', '--provider', provider, '--json'];
    const env = { ...process.env, VK_DRIVER_FILES: join(dir, 'no-driver.json'), VK_ICD_FILENAMES: join(dir, 'no-driver.json') };
    try {
      const { stdout, stderr } = await promisify(execFile)('node', args, { env });
      return { code: 0, stdout, stderr };
    } catch (e) {
      return e as { code: number; stdout: string; stderr: string };
    }
  }

  it('--provider webgpu fails in one line that says what to do; auto runs on the CPU and says why', async () => {
    const refused = await score('webgpu');
    expect(refused.code).toBe(2);
    // Beside progress lines and the Vulkan loader's own warnings: exactly one line.
    const lines = refused.stderr.split('\n').filter((l) => l.trim() && !/^\s*\d+% /.test(l) && !l.startsWith('Warning:'));
    expect(lines).toEqual([expect.stringMatching(/^The WebGPU provider found no GPU: .*run on the CPU \(--provider cpu\)\.$/)]);

    const auto = await score('auto');
    expect(auto.code).toBe(0);
    expect(auto.stderr).toContain('The CPU: no GPU answered');
    const result = JSON.parse(auto.stdout);
    expect(result.provider).toBe('cpu');
    expect(result.memory.placement).toMatchObject({ asked: 'auto', provider: 'cpu' });
  });

  it('a GPU that kills the compute process fails its job in one line that points to the CPU', () => {
    const reason = crashReason(null, 'SIGABRT', "terminate called after throwing an instance of 'char const*'\n", true);
    expect(reason.split('\n')).toHaveLength(1);
    expect(reason).toMatch(/GPU stopped the compute process \(signal SIGABRT\).*CPU/);
    expect(crashReason(null, 'SIGABRT', '', false)).not.toMatch(/GPU/);
  });
});
