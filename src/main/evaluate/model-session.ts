/**
 * Opening a model for analysis and evaluation: the folder (closed afterwards whatever happens)
 * and a forward engine over it (disposed afterwards). Data is read between the two, so bad
 * data is reported before any weights are loaded; and before the engine loads a tensor, the
 * job's memory is planned (src/main/memory): the fastest weight mode that fits, or a refusal;
 * first of all, where it runs (src/main/engine/placement.ts): on a GPU when one answers and the
 * job fits it, the weights then streaming through the host once on their way there.
 */
import type { MemoryRecord } from '../../shared/memory.js';
import type { TaskControl } from '../../shared/progress.js';
import { createForwardEngine, type ForwardEngine } from '../engine/forward-engine.js';
import type { GpuPrecision } from '../../shared/compute.js';
import { gpuJobMemory, placeForwardJob } from '../engine/placement.js';
import type { ProviderChoice } from '../engine/providers.js';
import { chooseWeightMode, type MemorySettings } from '../memory/choose.js';
import { forwardEstimates, type ForwardShape } from '../memory/forward.js';
import { DTYPE_BYTES } from '../model/dtypes.js';
import { ModelFolder } from '../model/folder.js';

/** How the forward passes run; every field has the engine's default. */
export interface EngineSettings extends Omit<MemorySettings, 'forceMode'> {
  /** Default 'auto': the GPU when one answers and the job fits it, else the CPU. */
  provider?: ProviderChoice;
  /** The GPU's memory where its driver does not say. */
  gpuMemoryBytes?: number;
  /** On a GPU: fp32 even where it computes in fp16 (a check with fp32 tolerances). */
  gpuPrecision?: GpuPrecision;
  threads?: number;
  /** Read one block's weights at a time from disk whatever else would fit. */
  streaming?: boolean;
  /** Bytes of activations one graph call may use (sets the batch size). */
  activationBudgetBytes?: number;
}

/** What a forward job will run, for its memory plan; `work` names it in a refusal ("Scoring"). */
export interface ForwardJob extends ForwardShape {
  work: string;
}

/** What would make a forward job fit, most useful first. */
const FORWARD_REMEDIES = ['fewer samples or shorter sequences', 'closing other programs', 'a GPU'];

export async function withModelFolder<T>(dir: string, use: (folder: ModelFolder) => Promise<T>): Promise<T> {
  const folder = await ModelFolder.open(dir);
  try {
    return await use(folder);
  } finally {
    await folder.close();
  }
}

export async function withEngine<T>(
  folder: ModelFolder,
  settings: EngineSettings,
  job: ForwardJob,
  control: TaskControl,
  use: (engine: ForwardEngine, memory: MemoryRecord) => Promise<T>,
): Promise<T> {
  const { threads, streaming, activationBudgetBytes } = settings;
  const shape = { ...job, activationBudgetBytes };
  const placement = await placeForwardJob(folder.description, DTYPE_BYTES[folder.dtype], shape, settings, job.work);
  control.onLog?.(placement.record.why);
  const record = placement.gpu
    ? gpuJobMemory(placement, settings)
    : {
        ...chooseWeightMode(
          forwardEstimates(folder.description, DTYPE_BYTES[folder.dtype], shape),
          { ...settings, forceMode: streaming ? 'streamed' : undefined },
          job.work,
          FORWARD_REMEDIES,
        ).record,
        placement: placement.record,
      };
  const engine = await createForwardEngine(folder, {
    provider: placement.provider,
    gpu: placement.gpu ?? undefined,
    threads,
    weights: record.mode,
    activationBudgetBytes,
    control,
  });
  try {
    return await use(engine, record);
  } finally {
    // The results hold this record: what crossed between host and GPU is known once the work is done.
    if (engine.gpu) placement.record.transfers = engine.gpu.ledger.summary();
    await engine.dispose();
  }
}
