/**
 * Scoring and the probes as a user runs them, on WebGPU: the job is placed before anything loads
 * (the log says where and why, the result records it with what crossed the bus), the scores and
 * the probes' perplexities match the CPU's (fp32 to 1e-4 relative; the probe sweep on the GPU
 * recomputes the blocks before each probe instead of keeping hidden states), and a quick scan
 * (int8, a CPU kernel) stays on the CPU under auto and is refused in one line under webgpu.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeLayers, scoreLayers, type ProbeResult, type ScoreResult } from '../../../src/main/analysis/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeFixtureModel, writeInputIds } from '../analysis/fixture.js';
import { randomSequences } from '../engine/random-model.js';
import { relativeError, TOLERANCE } from './compare.js';
import { gpu, needsGpu } from './gpu-available.js';

let cleanup: () => Promise<void>;
let modelDir: string;
let dataFile: string;

beforeAll(async () => {
  let dir: string;
  ({ dir, cleanup } = await tempDir('slayer-gpu-analysis-'));
  modelDir = join(dir, 'model');
  await writeFixtureModel(modelDir, { layers: 4, seed: 8 });
  dataFile = join(dir, 'ids.jsonl');
  await writeInputIds(dataFile, randomSequences(4, [12, 9, 12, 6], 360, 5));
});
afterAll(() => cleanup());

const scores = (r: ScoreResult) => [...r.layers, ...(r.spans ?? []).flatMap((s) => s.layers)].map((l) => [l.angularLast, l.angularMean, l.blockInfluence]);
const nlls = (r: ProbeResult) => [[r.baseline.meanNll, ...r.layers.map((l) => l.meanNll)]];

describe.skipIf(!gpu.adapter)(`analysis on WebGPU${needsGpu}`, () => {
  it('scores and drop-one probes in fp32 match the CPU; the log and the result say where they ran and what crossed the bus', async () => {
    const settings = { threads: 1, gpuPrecision: 'fp32' as const };
    const lines: string[] = [];
    const [cpuScore, gpuScore] = [
      await scoreLayers(modelDir, dataFile, { ...settings, provider: 'cpu', spans: [2] }),
      await scoreLayers(modelDir, dataFile, { ...settings, provider: 'webgpu', spans: [2] }, { onLog: (l) => lines.push(l) }),
    ];
    expect(gpuScore.provider).toBe('webgpu');
    expect(lines.some((l) => l.startsWith(`The GPU (${gpu.adapter!.name})`))).toBe(true);
    expect(gpuScore.memory.placement).toMatchObject({ asked: 'webgpu', provider: 'webgpu', precision: 'fp32', layout: null });
    // Scores read back only the statistics' sums: far less than one weight copy went down.
    const transfers = gpuScore.memory.placement!.transfers!;
    expect(transfers.deviceToHostBytes).toBeGreaterThan(0);
    expect(transfers.deviceToHostBytes).toBeLessThan(transfers.loadHostToDeviceBytes / 10);
    expect(relativeError(scores(gpuScore), scores(cpuScore))).toBeLessThan(TOLERANCE.fp32.values);

    const [cpuProbe, gpuProbe] = [
      await probeLayers(modelDir, { ...settings, data: dataFile, kind: 'drop', seqLen: 12, provider: 'cpu' }),
      await probeLayers(modelDir, { ...settings, data: dataFile, kind: 'drop', seqLen: 12, provider: 'webgpu' }),
    ];
    expect(gpuProbe.provider).toBe('webgpu');
    expect(gpuProbe.cache).toBeNull();
    expect(gpuProbe.notes.join(' ')).toContain('On the GPU every probe recomputed');
    expect(relativeError(nlls(gpuProbe), nlls(cpuProbe))).toBeLessThan(TOLERANCE.fp32.meanNll);
  });

  it('a quick scan runs on the CPU under auto and says why; under webgpu it is refused in one line', async () => {
    const lines: string[] = [];
    const quick = await scoreLayers(modelDir, dataFile, { threads: 1, precision: 'int8', spans: [] }, { onLog: (l) => lines.push(l) });
    expect(quick.provider).toBe('cpu');
    expect(quick.memory.placement).toMatchObject({ asked: 'auto', provider: 'cpu' });
    expect(lines).toContain("The CPU: quick scans use the CPU's int8 kernels.");
    const refused = await scoreLayers(modelDir, dataFile, { threads: 1, precision: 'int8', provider: 'webgpu' }).catch((e: Error) => e);
    expect((refused as Error).message).toBe(
      "A quick scan cannot run on the GPU: quick scans use the CPU's int8 kernels. Run it on the CPU (--provider cpu or auto).",
    );
  });
});
