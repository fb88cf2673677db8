/**
 * The Analyze step against this machine's limit (cases analysis and analysis-1b): on a generated
 * model, with the same token sequences,
 *   - the fp32 scan (blocks + statistics, no head), the fp32 forward pass (blocks + head) and
 *     the quick (int8) scan and forward, each as effective GFLOP/s and as a share of the peak of
 *     its product kind (product-peaks.ts);
 *   - agreement of the quick scan with fp32: the largest difference of each score per layer and
 *     the Spearman rank correlation of the layer order;
 *   - the drop-one sweep with its cache of hidden states against L full passes (and, on small
 *     models, against the sweep without the cache);
 *   - the int8 weights quantised from the checkpoint (first scan) and read from the cache (later ones);
 *   - a decoder block fed fp16 weights (cast in the graph) against the same block fed fp32, the
 *     measurement behind keeping 16-bit weights widened once per block (docs/analysis.md);
 *   - `slayer score` whole jobs, fp32 and quick, as a user runs them;
 * with the load average before and after, since the machine is shared. Engine timings are the
 * best of the repeats after a warm-up: other work only ever slows a run down.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { probeLayout } from '../../src/main/analysis/probe-layouts.js';
import { probeSweep } from '../../src/main/analysis/probe-sweep.js';
import { scoreLayers } from '../../src/main/analysis/score.js';
import { seededUniform } from '../../src/main/data/hash32.js';
import { createForwardEngine, type BlockStats, type ForwardEngine, type RunOptions } from '../../src/main/engine/forward-engine.js';
import { BLOCK_IO, decoderBlock, decoderBlockGraph, declareBlockInputs } from '../../src/main/engine/graphs/decoder-block.js';
import { linear } from '../../src/main/engine/graphs/linear.js';
import { int8CacheKey } from '../../src/main/engine/int8-cache.js';
import { GraphBuilder } from '../../src/main/engine/onnx/graph-builder.js';
import { openProvider } from '../../src/main/engine/providers.js';
import { loadQuantisedWeights } from '../../src/main/engine/quantised-weights.js';
import { rotaryInverseFrequencies, rotaryTables } from '../../src/main/engine/rotary-tables.js';
import { decodeFloatsInto, floatToHalfBits } from '../../src/main/model/dtypes.js';
import { ModelFolder } from '../../src/main/model/folder.js';
import { generateTestModel, type TestModelOptions } from '../../src/tooling/test-model.js';
import { blockParameters, blockTensorSpecs, elementCount, modelParameters } from '../../src/main/model/tensors.js';
import type { WeightMode } from '../../src/shared/memory.js';
import type { ModelDescription } from '../../src/shared/model.js';
import { tempDir } from '../helpers/tmp.js';
import { measurePeaks, type ProductPeaks } from './product-peaks.js';

export interface AnalysisBenchSetup {
  model: Omit<TestModelOptions, 'seed' | 'tokenizer'>;
  samples: number;
  seqLen: number;
  /** How the fp32 engine holds the weights (resident-stored keeps a 1B bf16 model near 2.5 GB). */
  fp32Weights: WeightMode;
  /** Timed runs after the warm-up. */
  repeats: number;
  /** Also time the drop-one sweep without its cache (L + 1 full passes: small models only). */
  uncachedSweep: boolean;
  /** Also time the quick scan's drop-one sweep. */
  quickSweep: boolean;
  /** A memory limit for the whole `slayer score` jobs, so they choose the same weight mode as fp32Weights. */
  jobMemoryLimitBytes?: number;
}

/** Flops of the blocks (projections and the T x T attention products) and of the LM head, 2 per multiply-add. */
export function forwardFlops(m: ModelDescription, sequences: number, seqLen: number): { blocks: number; head: number } {
  const tokens = sequences * seqLen;
  const H = m.hiddenSize;
  const q = m.heads * m.headDim;
  const kv = m.kvHeads * m.headDim;
  const perToken = H * q + 2 * H * kv + q * H + 3 * H * m.intermediateSize;
  const attention = 2 * sequences * m.heads * seqLen * seqLen * m.headDim;
  return { blocks: m.layers * (2 * tokens * perToken + 2 * attention), head: 2 * tokens * H * m.vocabSize };
}

/** Spearman's rank correlation (ties get their mean rank). */
export function rankCorrelation(a: readonly number[], b: readonly number[]): number {
  const ranks = (v: readonly number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
      for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return da === 0 || db === 0 ? 1 : num / Math.sqrt(da * db);
}

/** Wall and CPU seconds of one call (CPU: user + system of this process, all threads). */
interface Timing {
  seconds: number;
  cpuSeconds: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

const fastest = (a: Timing | undefined, b: Timing): Timing =>
  a === undefined ? b : { seconds: Math.min(a.seconds, b.seconds), cpuSeconds: Math.min(a.cpuSeconds, b.cpuSeconds) };

interface EngineTimes {
  score: Timing;
  forward: Timing;
  sweep: Timing | null;
  uncachedSweep: Timing | null;
  sweepBlockRuns: { run: number; uncached: number } | null;
  stats: BlockStats[];
}

/**
 * The engine's phases in rounds (score, forward, sweep, sweep without cache, one after another),
 * each the fastest of its rounds: interleaving them lets each see the same mix of load.
 */
async function timeEngine(engine: ForwardEngine, sequences: number[][], setup: AnalysisBenchSetup, sweep: boolean): Promise<EngineTimes> {
  const L = engine.description.layers;
  const score: RunOptions = { collectStats: true, skipHead: true };
  const layouts = Array.from({ length: L }, (_, i) => probeLayout(L, i, 'drop', 'copy').blocks);
  await engine.run(sequences.slice(0, 1)); // warm-up: sessions' first-call allocations
  const t: Partial<Omit<EngineTimes, 'stats' | 'sweepBlockRuns'>> = {};
  let stats: BlockStats[] = [];
  let sweepBlockRuns: EngineTimes['sweepBlockRuns'] = null;
  for (let round = 0; round < setup.repeats; round++) {
    t.score = fastest(t.score, await timed(async () => (stats = (await engine.run(sequences, score)).stats!)));
    t.forward = fastest(t.forward, await timed(() => engine.run(sequences)));
    if (!sweep) continue;
    t.sweep = fastest(
      t.sweep ?? undefined,
      await timed(async () => (sweepBlockRuns = (await probeSweep(engine, sequences, { layouts, chunk: sequences.length, cache: true }, {})).blockRuns)),
    );
    if (setup.uncachedSweep)
      t.uncachedSweep = fastest(
        t.uncachedSweep ?? undefined,
        await timed(() => probeSweep(engine, sequences, { layouts, chunk: sequences.length, cache: false }, {})),
      );
  }
  return { score: t.score!, forward: t.forward!, sweep: t.sweep ?? null, uncachedSweep: t.uncachedSweep ?? null, sweepBlockRuns, stats };
}

/** One decoder block of the model's shape on the run's first batch: fp32 weights vs fp16 weights cast in the graph. */
async function fp16WeightsBlock(m: ModelDescription, sequences: number, seqLen: number, repeats: number): Promise<Record<string, unknown>> {
  const provider = await openProvider({ threads: availableParallelism() });
  const half = new GraphBuilder('decoder-block-f16-weights');
  const inputs = declareBlockInputs(half, m);
  const halfInputs: Record<string, string> = {};
  for (const spec of blockTensorSpecs(m)) {
    if (spec.shape.length !== 2) continue;
    // Redeclare the matrices as float16 and cast each where it is used.
    halfInputs[spec.name] = half.input(`${spec.name}.f16`, 'float16', spec.shape);
  }
  const cast = (w: string) => half.op('Cast', [halfInputs[w] ?? w], { to: 1 });
  const byValue = new Map(Object.entries(inputs.weights).map(([name, value]) => [value, name]));
  half.output(BLOCK_IO.output, decoderBlock(half, m, inputs, (g, x, w, b) => linear(g, x, cast(byValue.get(w)!), b)).output, 'float32', [
    'batch',
    'seq',
    m.hiddenSize,
  ]);
  const full = await provider.createSession(decoderBlockGraph(m));
  const halfSession = await provider.createSession(half.build());
  const rotary = rotaryTables(rotaryInverseFrequencies(m), seqLen);
  const base: Record<string, ort.Tensor> = {
    [BLOCK_IO.hidden]: new ort.Tensor(
      'float32',
      Float32Array.from({ length: sequences * seqLen * m.hiddenSize }, (_, i) => seededUniform(7, i) - 0.5),
      [sequences, seqLen, m.hiddenSize],
    ),
    [BLOCK_IO.ropeCos]: new ort.Tensor('float32', rotary.cos, [seqLen, m.headDim / 2]),
    [BLOCK_IO.ropeSin]: new ort.Tensor('float32', rotary.sin, [seqLen, m.headDim / 2]),
    [BLOCK_IO.keyMask]: new ort.Tensor('bool', new Uint8Array(sequences * seqLen).fill(1), [sequences, seqLen]),
  };
  const f32: Record<string, ort.Tensor> = { ...base };
  const f16: Record<string, ort.Tensor> = { ...base };
  for (const spec of blockTensorSpecs(m)) {
    const values = Float32Array.from({ length: elementCount(spec.shape) }, (_, i) => (spec.shape.length === 2 ? (seededUniform(9, i) - 0.5) * 0.04 : 1));
    f32[spec.name] = new ort.Tensor('float32', values, spec.shape);
    if (spec.shape.length === 2) f16[`${spec.name}.f16`] = new ort.Tensor('float16', Uint16Array.from(values, floatToHalfBits), spec.shape);
    else f16[spec.name] = f32[spec.name];
  }
  // The fp16 graph still declares the fp32 matrices (unused): feed them too.
  for (const spec of blockTensorSpecs(m)) if (spec.shape.length === 2) f16[spec.name] = f32[spec.name];
  try {
    await full.run(f32);
    await halfSession.run(f16);
    let fp32: Timing | undefined;
    let fp16: Timing | undefined;
    for (let r = 0; r < repeats + 2; r++) {
      fp32 = fastest(fp32, await timed(() => full.run(f32)));
      fp16 = fastest(fp16, await timed(() => halfSession.run(f16)));
    }
    return {
      tokensPerCall: sequences * seqLen,
      fp32: fp32!,
      fp16Weights: fp16!,
      ratio: fp16!.seconds / fp32!.seconds,
      cpuRatio: fp16!.cpuSeconds / fp32!.cpuSeconds,
      ...(await widenAndCast(blockParameters(m))),
    };
  } finally {
    await full.release();
    await halfSession.release();
  }
}

/**
 * Nanoseconds per weight to widen one block's bf16 weights to fp32 in JavaScript (what
 * 'resident-stored' does once per block run), and for onnxruntime to cast fp16 to fp32 inside a
 * graph (what a graph fed fp16 weights does on every call).
 */
async function widenAndCast(count: number): Promise<Record<string, number>> {
  const halves = new Uint16Array(count).map((_, i) => 0x3c00 + (i & 0x3ff));
  const out = new Float32Array(count);
  const bytes = new Uint8Array(halves.buffer);
  const provider = await openProvider({ threads: availableParallelism() });
  const g = new GraphBuilder('cast');
  g.output('y', g.op('ReduceSum', [g.op('Cast', [g.input('x', 'float16', [count])], { to: 1 })], { keepdims: 0 }), 'float32', []);
  const session = await provider.createSession(g.build());
  const feeds = { x: new ort.Tensor('float16', halves, [count]) };
  try {
    await session.run(feeds);
    let widen = Infinity;
    let cast = Infinity;
    for (let r = 0; r < 4; r++) {
      widen = Math.min(widen, (await timed(async () => decodeFloatsInto('BF16', bytes, out))).seconds);
      cast = Math.min(cast, (await timed(() => session.run(feeds))).seconds);
    }
    return { widenBf16InJsNsPerWeight: round((widen * 1e9) / count, 2), castF16InGraphNsPerWeight: round((cast * 1e9) / count, 2) };
  } finally {
    await session.release();
  }
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

export async function runAnalysisBench(setup: AnalysisBenchSetup): Promise<Record<string, unknown>> {
  const loadBefore = loadavg();
  const threads = availableParallelism();
  const peaks: ProductPeaks = await measurePeaks(threads);
  const { dir, cleanup } = await tempDir('slayer-bench-analysis-');
  try {
    const modelDir = join(dir, 'model');
    const generated = await generateTestModel(modelDir, { ...setup.model, seed: 1, tokenizer: false });
    const m = generated.description;
    const sequences = Array.from({ length: setup.samples }, (_, s) =>
      Array.from({ length: setup.seqLen }, (_, t) => Math.floor(seededUniform(s + 1, t) * m.vocabSize)),
    );
    const dataFile = join(dir, 'data.jsonl');
    await writeFile(dataFile, sequences.map((ids) => JSON.stringify({ input_ids: ids })).join('\n'));
    const flops = forwardFlops(m, setup.samples, setup.seqLen);
    const weightCache = join(dir, 'weight-cache');

    const folder = await ModelFolder.open(modelDir);
    let fp32: EngineTimes;
    let int8: EngineTimes;
    let quantise: { coldSeconds: number; cachedSeconds: number };
    try {
      const engine32 = await createForwardEngine(folder, { threads, weights: setup.fp32Weights });
      try {
        fp32 = await timeEngine(engine32, sequences, setup, true);
      } finally {
        await engine32.dispose();
      }
      const cache = { root: weightCache, key: await int8CacheKey(folder), modelDir };
      const cold = await loadQuantisedWeights(folder, { head: true, cache });
      const warm = await loadQuantisedWeights(folder, { head: true, cache });
      quantise = { coldSeconds: cold.origin.seconds, cachedSeconds: warm.origin.seconds };
      const engine8 = await createForwardEngine(folder, { threads, quantised: warm });
      try {
        int8 = await timeEngine(engine8, sequences, setup, setup.quickSweep);
      } finally {
        await engine8.dispose();
      }
    } finally {
      await folder.close();
    }

    const metrics = ['angularLast', 'angularMean', 'blockInfluence'] as const;
    const agreement = Object.fromEntries(
      metrics.map((k) => {
        const a = fp32.stats.map((s) => s[k]);
        const b = int8.stats.map((s) => s[k]);
        const diffs = a.map((x, i) => Math.abs(x - b[i]));
        return [
          k,
          { largestDifference: Math.max(...diffs), perLayer: diffs.map((d) => Number(d.toExponential(2))), rankCorrelation: round(rankCorrelation(a, b), 4) },
        ];
      }),
    );

    const share = (work: number, t: Timing, peak: number) => ({
      seconds: round(t.seconds, 2),
      cpuSeconds: round(t.cpuSeconds, 2),
      gflops: round(work / t.seconds / 1e9, 1),
      shareOfPeak: round(work / t.seconds / 1e9 / peak),
    });
    const phases = {
      fp32Scan: share(flops.blocks, fp32.score, peaks.fp32),
      fp32Forward: share(flops.blocks + flops.head, fp32.forward, peaks.fp32),
      quickScan: share(flops.blocks, int8.score, peaks.int8),
      quickForward: share(flops.blocks + flops.head, int8.forward, peaks.int8),
    };
    const L = m.layers;
    const sweepOf = (e: EngineTimes) =>
      e.sweep && {
        seconds: round(e.sweep.seconds, 2),
        cpuSeconds: round(e.sweep.cpuSeconds, 2),
        ofLPasses: round(e.sweep.seconds / (L * e.forward.seconds)),
        ofLPassesByCpu: round(e.sweep.cpuSeconds / (L * e.forward.cpuSeconds)),
        uncached: e.uncachedSweep && {
          seconds: round(e.uncachedSweep.seconds, 2),
          cpuSeconds: round(e.uncachedSweep.cpuSeconds, 2),
          cachedOfUncached: round(e.sweep.seconds / e.uncachedSweep.seconds),
        },
        blockRuns: e.sweepBlockRuns,
        /** The sweep's flops over L full passes' flops, from the block runs and L + 1 heads. */
        expectedOfLPasses: e.sweepBlockRuns && round((e.sweepBlockRuns.run * (flops.blocks / L) + (L + 1) * flops.head) / (L * (flops.blocks + flops.head))),
      };
    const sweep = { fp32: sweepOf(fp32)!, quick: sweepOf(int8) };

    const job = async (precision: 'fp32' | 'int8') => {
      const r = await scoreLayers(modelDir, dataFile, {
        threads,
        precision,
        weightCache,
        samples: setup.samples,
        seqLen: setup.seqLen,
        memoryLimitBytes: setup.jobMemoryLimitBytes,
      });
      return { seconds: round(r.seconds, 2), weights: r.memory.mode, quick: r.quick && { source: r.quick.source, seconds: round(r.quick.seconds, 2) } };
    };
    const jobs = { fp32: await job('fp32'), quick: await job('int8') };
    const fp16Block = await fp16WeightsBlock(m, Math.min(setup.samples, 8), setup.seqLen, setup.repeats);

    const worstRank = Math.min(...metrics.map((k) => agreement[k].rankCorrelation));
    const quickOfFp32 = int8.score.seconds / fp32.score.seconds;
    const goals = {
      quickScanAtMost04OfFp32: { value: round(quickOfFp32), byCpu: round(int8.score.cpuSeconds / fp32.score.cpuSeconds), reached: quickOfFp32 <= 0.4 },
      quickScanJobOfFp32Job: { value: round(jobs.quick.seconds / jobs.fp32.seconds) },
      rankCorrelationAtLeast098: { value: worstRank, reached: worstRank >= 0.98 },
      dropOneSweepAtMost06OfLPasses: {
        value: sweep.fp32.ofLPasses,
        byCpu: sweep.fp32.ofLPassesByCpu,
        expected: sweep.fp32.expectedOfLPasses,
        reached: sweep.fp32.ofLPasses <= 0.6,
      },
      fp32ForwardAtLeast08OfPeak: { value: phases.fp32Forward.shareOfPeak, reached: phases.fp32Forward.shareOfPeak >= 0.8 },
    };
    return {
      model: { ...setup.model, parameters: modelParameters(m), layers: L },
      data: { sequences: setup.samples, seqLen: setup.seqLen },
      threads,
      fp32Weights: setup.fp32Weights,
      loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) },
      peaks: { ...peaks, fp32: round(peaks.fp32, 1), fp16: round(peaks.fp16, 1), int8: round(peaks.int8, 1) },
      gflopPerPass: { blocks: round(flops.blocks / 1e9, 1), head: round(flops.head / 1e9, 1) },
      phases,
      goals,
      agreement,
      sweep,
      int8Weights: { quantiseSeconds: round(quantise.coldSeconds, 2), readFromCacheSeconds: round(quantise.cachedSeconds, 2) },
      scoreJobs: jobs,
      fp16WeightsBlock: fp16Block,
    };
  } finally {
    await cleanup();
  }
}
