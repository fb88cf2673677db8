/**
 * `inspect`: what a model folder holds and whether this machine can analyse and train it.
 * Opening the folder validates config, every safetensors header and every required tensor, so a
 * model that inspects cleanly can be scored, planned, cut and trained. The memory figures are
 * the ones the jobs themselves plan with (src/main/memory), in the mode they would choose here,
 * and so is the GPU verdict: where 'auto' would run analysis and training, and why.
 */
import type { MachineMemory, MemoryEstimate } from '../../shared/memory.js';
import type { InspectResult, MemoryNeed } from '../../shared/model.js';
import { WEIGHT_MODE_WORDS } from '../../shared/memory.js';
import { likelyEstimate } from '../memory/choose.js';
import { forwardEstimates } from '../memory/forward.js';
import { fitOnMachine, machineMemory, memoryBudget } from '../memory/machine.js';
import { ModelFolder } from '../model/folder.js';
import { DTYPE_BYTES } from '../model/dtypes.js';
import { modelParameters, modelShape } from '../model/tensors.js';
import { makePlan, trainingMemory, trainingShape } from '../plan/index.js';
import { describeGpu } from '../engine/gpu-adapter.js';
import { adapterPrecision, placeForwardJob, placeTrainingJob } from '../engine/placement.js';
import { gpuForwardEstimate, gpuTrainingEstimates } from '../memory/device.js';

/** What the estimates assume: `score`'s defaults, and a small training batch. */
export const ANALYSIS_DEFAULTS = { samples: 64, seqLen: 128 } as const;
export const TRAINING_DEFAULTS = { batch: 1, seqLen: 512 } as const;

export async function inspectModel(dir: string, machine: MachineMemory = machineMemory(), gpuMemoryBytes?: number): Promise<InspectResult> {
  const folder = await ModelFolder.open(dir);
  try {
    const m = folder.description;
    const analyseShape = { sequences: ANALYSIS_DEFAULTS.samples, seqLen: ANALYSIS_DEFAULTS.seqLen };
    const analyse = forwardEstimates(m, DTYPE_BYTES[folder.dtype], analyseShape);
    const plan = makePlan(m, { strategy: 's' });
    const train = trainingMemory(plan, m, TRAINING_DEFAULTS.batch, TRAINING_DEFAULTS.seqLen, machine);
    const placement = { provider: 'auto' as const, machine, gpuMemoryBytes };
    const trainShape = trainingShape(plan, TRAINING_DEFAULTS.batch, TRAINING_DEFAULTS.seqLen);
    const report = await describeGpu(gpuMemoryBytes);
    const gpuPrecision = report.adapter ? adapterPrecision(report.adapter) : 'fp16';
    return {
      ...modelShape(m),
      family: m.family,
      maxPositionEmbeddings: m.maxPositionEmbeddings,
      parameters: modelParameters(m),
      dtype: folder.dtype.toLowerCase(),
      bytesOnDisk: folder.bytesOnDisk,
      hasTokenizer: folder.hasTokenizer,
      memory: {
        machine,
        analyse: need(
          likelyEstimate(analyse, memoryBudget(machine)),
          machine,
          `scoring ${ANALYSIS_DEFAULTS.samples} samples of ${ANALYSIS_DEFAULTS.seqLen} tokens`,
        ),
        train: need(
          likelyEstimate(train.estimates, memoryBudget(machine)),
          machine,
          `the default S plan (${plan.counts.layers} layers, ${plan.counts.trainableParameters.toLocaleString('en-US')} trainable parameters), fp32 AdamW, batch ${TRAINING_DEFAULTS.batch} x ${TRAINING_DEFAULTS.seqLen} tokens`,
        ),
      },
      gpu: {
        report,
        analyse: (await placeForwardJob(m, DTYPE_BYTES[folder.dtype], analyseShape, placement, 'Scoring')).record,
        train: (await placeTrainingJob(m, DTYPE_BYTES[folder.dtype], trainShape, placement)).record,
        needs: {
          analyse: gpuForwardEstimate(m, DTYPE_BYTES[folder.dtype], analyseShape, gpuPrecision),
          train: gpuTrainingEstimates(m, DTYPE_BYTES[folder.dtype], trainShape, gpuPrecision),
        },
      },
    };
  } finally {
    await folder.close();
  }
}

function need(e: MemoryEstimate, machine: MachineMemory, work: string): MemoryNeed {
  return { bytes: e.totalBytes, fit: fitOnMachine(e.totalBytes, machine), mode: e.mode, assumes: `${work}; ${WEIGHT_MODE_WORDS[e.mode]}` };
}
