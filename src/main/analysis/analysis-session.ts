/**
 * The engine of a score or probe job, at its precision, with its memory planned before anything
 * loads (as every job plans it, src/main/memory), where it runs placed first (engine/placement.ts):
 *   fp32  on the GPU when one answers and the job fits it (no probe cache there: each probe
 *         recomputes the blocks before it on the GPU); else the fastest weight mode that fits
 *         (fp32, kept as stored, streamed);
 *   int8  a quick scan, on the CPU (its products are onnxruntime's MatMulIntegerToFloat, a
 *         CPU kernel for VNNI/AMX; the GPU's fp16 scan is the fast path there): 'resident-int8', the int8 matrices read from the weight cache or quantised
 *         now (src/main/engine/quantised-weights.ts);
 * and, for probe sweeps, room for the cache of hidden states (src/main/memory/probe-cache.ts).
 */
import { UserError } from '../../shared/errors.js';
import type { AnalysisPrecision, QuickWeightsRecord } from '../../shared/analysis.js';
import type { MemoryEstimate, MemoryRecord } from '../../shared/memory.js';
import type { TaskControl } from '../../shared/progress.js';
import { createForwardEngine, type ForwardEngine } from '../engine/forward-engine.js';
import { gpuJobMemory, placeForwardJob } from '../engine/placement.js';
import { int8CacheKey, Int8CacheEntry } from '../engine/int8-cache.js';
import { loadQuantisedWeights, type QuantisedWeights } from '../engine/quantised-weights.js';
import type { EngineSettings } from '../evaluate/model-session.js';
import { chooseWeightMode } from '../memory/choose.js';
import { forwardEstimate, forwardEstimates, type ForwardShape } from '../memory/forward.js';
import { chooseProbeSweep, type ProbeCachePlan } from '../memory/probe-cache.js';
import { DTYPE_BYTES } from '../model/dtypes.js';
import type { ModelFolder } from '../model/folder.js';

export interface AnalysisSettings extends EngineSettings {
  /** fp32 (default), or int8 for a quick scan. */
  precision?: AnalysisPrecision;
  /** Folder of the int8 weight cache; absent: quick scans quantise every time and keep nothing. */
  weightCache?: string;
}

/** What the job runs, for its memory plan; `work` names it in a refusal ("Scoring"). */
export interface AnalysisJob extends ForwardShape {
  work: string;
  /** A probe sweep: plan room for its cache of hidden states. */
  probeCache?: boolean;
}

export interface AnalysisSession {
  engine: ForwardEngine;
  precision: AnalysisPrecision;
  memory: MemoryRecord;
  /** Quick scans: where the int8 weights came from; null in fp32. */
  quick: QuickWeightsRecord | null;
  /** Probe sweeps: the cache the plan left room for; null when none (or not a sweep). */
  cache: ProbeCachePlan | null;
}

const REMEDIES = ['fewer samples or shorter sequences', 'closing other programs', 'a GPU'];
const QUICK_REMEDIES = ['the full-precision scan, which can read the weights from disk one block at a time', ...REMEDIES];

export async function withAnalysisEngine<T>(
  folder: ModelFolder,
  settings: AnalysisSettings,
  job: AnalysisJob,
  control: TaskControl,
  use: (session: AnalysisSession) => Promise<T>,
): Promise<T> {
  const precision = settings.precision ?? 'fp32';
  const m = folder.description;
  const storedBytes = DTYPE_BYTES[folder.dtype];
  const shape: ForwardShape = { ...job, activationBudgetBytes: settings.activationBudgetBytes };
  const { threads, activationBudgetBytes } = settings;
  const cpuOnly = precision === 'int8' ? "quick scans use the CPU's int8 kernels" : undefined;
  const placement = await placeForwardJob(m, storedBytes, shape, { ...settings, cpuOnly }, job.work);
  control.onLog?.(placement.record.why);
  if (placement.gpu) {
    const memory = gpuJobMemory(placement, settings);
    const engine = await createForwardEngine(folder, { provider: 'webgpu', gpu: placement.gpu, threads, weights: memory.mode, activationBudgetBytes, control });
    try {
      return await use({ engine, precision, memory, quick: null, cache: null });
    } finally {
      // What crossed between host and GPU is known once the work is done.
      placement.record.transfers = engine.gpu!.ledger.summary();
      await engine.dispose();
    }
  }
  let estimates: MemoryEstimate[];
  let cache: { root: string; key: string; modelDir: string } | null = null;
  if (precision === 'int8') {
    if (settings.streaming) {
      throw new UserError(
        'A quick scan holds its int8 weights in memory and cannot read them from disk block by block. Leave out --streaming, or scan in fp32.',
      );
    }
    if (settings.weightCache !== undefined) cache = { root: settings.weightCache, key: await int8CacheKey(folder), modelDir: folder.dir };
    const cached = cache !== null && (await cacheHolds(cache.root, cache.key));
    estimates = [forwardEstimate(m, storedBytes, { ...shape, int8Cached: cached }, 'resident-int8')];
  } else {
    estimates = forwardEstimates(m, storedBytes, shape);
  }
  const memorySettings = { ...settings, forceMode: settings.streaming ? ('streamed' as const) : undefined };
  const remedies = precision === 'int8' ? QUICK_REMEDIES : REMEDIES;
  const choice = job.probeCache
    ? chooseProbeSweep(m, estimates, { sequences: job.sequences, seqLen: job.seqLen }, memorySettings, job.work, remedies)
    : { ...chooseWeightMode(estimates, memorySettings, job.work, remedies), cache: null };

  const memory: MemoryRecord = { ...choice.record, placement: placement.record };
  let quantised: QuantisedWeights | undefined;
  if (precision === 'int8') quantised = await loadQuantisedWeights(folder, { head: !job.statsOnly, cache, control });
  const engine = await createForwardEngine(folder, { provider: placement.provider, threads, weights: memory.mode, quantised, activationBudgetBytes, control });
  try {
    return await use({ engine, precision, memory, quick: quantised?.origin ?? null, cache: choice.cache });
  } finally {
    await engine.dispose();
  }
}

async function cacheHolds(root: string, key: string): Promise<boolean> {
  const entry = await Int8CacheEntry.open(root, key);
  await entry?.close();
  return entry !== null;
}
