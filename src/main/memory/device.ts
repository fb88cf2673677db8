/**
 * Memory of a job on a GPU (WebGPU), on the GPU and on the host beside it, from the model's shape
 * and the job's settings alone, before anything loads. With w the bytes per weight on the GPU
 * (2 in fp16, 4 in fp32), P the parameters, P_t the trained ones, P_b one block's, s AdamW's
 * states per weight (2; SGD 0) and A the activations of one training step (training.ts):
 *
 * Forward jobs (scoring, probes, evaluation, generation, the function check):
 *   GPU   runtime + w P + hidden states of a chunk + one graph call's working memory
 *   host  runtime + the streamed weight store's buffers (each tensor is read once and copied over)
 *
 * Training, layout (a), everything on the GPU:
 *   GPU   runtime + w (P - P_t) + (4 + 4 + 4s) P_t + A + 8 P_b
 *   host  runtime + buffers + (4 + 4s) P_t           fp32 copies of weights and moments for checkpoints
 * Training, layout (b), ZeRO-Offload style:
 *   GPU   runtime + w P + A + 8 P_b                 frozen weights and the trained ones' fp16 copies
 *   host  runtime + buffers + (4 + 4 + 4s) P_t      fp32 masters, gradients and AdamW's moments
 *
 * Training computes in fp32 (fp16 gradients would need loss scaling); 8 P_b covers one block's
 * weights widened to fp32 while it runs and its fresh gradients before they are added or copied
 * down. The GPU runtime (WebGPU context, compiled kernels, onnxruntime's buffer pools) is an
 * allowance, not a measurement: WebGPU reports no memory use.
 */
import type { GpuAdapter } from '../../shared/compute.js';
import type { Fit, GpuEstimate, MachineMemory, MemoryPart } from '../../shared/memory.js';
import type { GpuPrecision } from '../../shared/compute.js';
import type { ModelDescription } from '../../shared/model.js';
import { blockParameters, modelParameters } from '../model/tensors.js';
import {
  activationBytesPerSequence,
  DEFAULT_ACTIVATION_BUDGET,
  HIDDEN_STATE_BUDGET_BYTES,
  RUNTIME_BYTES,
  sequencesPerCall,
  sequencesPerChunk,
  type ForwardShape,
} from './forward.js';
import { fitOnMachine, memoryBudget } from './machine.js';
import { trainingActivationBytes, type TrainingShape } from './training.js';
import { heldWeightBytes } from './weights.js';

/** WebGPU context, compiled kernels and onnxruntime's buffer pools on the GPU. */
export const GPU_RUNTIME_BYTES = 512 * 2 ** 20;
/** A job plans to use at most this share of a dedicated GPU's memory (of what is free, where the driver says). */
export const GPU_SHARE = 0.9;

function weightBytes(precision: GpuPrecision): number {
  return precision === 'fp16' ? 2 : 4;
}

const sum = (parts: MemoryPart[]): number => parts.reduce((n, p) => n + p.bytes, 0);

function hostParts(m: ModelDescription, storedBytes: number, extra: MemoryPart[] = []): { totalBytes: number; parts: MemoryPart[] } {
  const parts = [
    { name: 'Runtime', bytes: RUNTIME_BYTES, why: 'Node, onnxruntime, the graphs and the tokenizer' },
    {
      name: 'Upload buffers',
      bytes: heldWeightBytes(m, 'streamed', modelParameters(m), storedBytes),
      why: 'one tensor at a time read from disk, widened and narrowed on its way to the GPU',
    },
    ...extra,
  ];
  return { totalBytes: sum(parts), parts };
}

export function gpuForwardEstimate(m: ModelDescription, storedBytes: number, shape: ForwardShape, precision: GpuPrecision): GpuEstimate {
  const T = shape.seqLen;
  const w = weightBytes(precision);
  const batch = Math.min(shape.sequences, sequencesPerCall(m, T, shape.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET));
  const held = 1 + (shape.spans ?? 0);
  const chunk = Math.min(shape.sequences, sequencesPerChunk(m, T, HIDDEN_STATE_BUDGET_BYTES, held));
  const parts: MemoryPart[] = [
    { name: 'GPU runtime', bytes: GPU_RUNTIME_BYTES, why: 'the WebGPU context, compiled kernels and buffer pools (an allowance)' },
    { name: 'Weights', bytes: w * modelParameters(m), why: `every weight in ${precision}, copied once when the job starts` },
    {
      name: 'Hidden states',
      bytes: w * T * m.hiddenSize * (chunk * held + batch),
      why: `the hidden states of ${chunk} sequences of ${T} tokens between blocks`,
    },
    { name: 'Working memory', bytes: batch * activationBytesPerSequence(m, T), why: `one block or the head run on ${batch} sequences at once` },
  ];
  if (shape.meanBlocks) parts.push({ name: 'Averaged block', bytes: w * blockParameters(m), why: 'a new block made on the GPU as the mean of existing ones' });
  return { layout: null, precision, device: { totalBytes: sum(parts), parts }, host: hostParts(m, storedBytes) };
}

/** Layout (a) then layout (b): the order a job tries them in. */
export function gpuTrainingEstimates(m: ModelDescription, storedBytes: number, s: TrainingShape, precision: GpuPrecision): GpuEstimate[] {
  const w = weightBytes(precision);
  const trained = s.trainableParameters;
  const states = 4 * s.optimizerStates * trained;
  const optimizerWhy = s.optimizerStates ? "AdamW's two fp32 moments per trained weight" : 'SGD keeps no state';
  const runtime = { name: 'GPU runtime', bytes: GPU_RUNTIME_BYTES, why: 'the WebGPU context, compiled kernels and buffer pools (an allowance)' };
  const activations = {
    name: 'Activations',
    bytes: trainingActivationBytes(m, s) + 8 * blockParameters(m),
    why: `what one step of ${s.batch} x ${s.seqLen} tokens keeps for the backward pass (fp32, per-block recomputation), and one block widened and its gradients`,
  };
  const deviceA: MemoryPart[] = [
    runtime,
    { name: 'Frozen weights', bytes: w * (s.parameters - trained), why: `frozen weights in ${precision}` },
    { name: 'Trained weights', bytes: 4 * trained, why: 'fp32 masters of the trained weights' },
    { name: 'Gradients', bytes: 4 * trained, why: 'one fp32 gradient per trained weight' },
    { name: 'Optimizer', bytes: states, why: `${optimizerWhy}, updated on the GPU` },
    activations,
  ];
  const deviceB: MemoryPart[] = [
    runtime,
    { name: 'Weights', bytes: w * s.parameters, why: `frozen weights and ${precision} copies of the trained ones` },
    activations,
  ];
  return [
    {
      layout: 'device',
      precision,
      device: { totalBytes: sum(deviceA), parts: deviceA },
      host: hostParts(m, storedBytes, [
        { name: 'Checkpoint copies', bytes: 4 * trained + states, why: 'fp32 copies of the trained weights and optimizer state, filled at checkpoints' },
      ]),
    },
    {
      layout: 'offload',
      precision,
      device: { totalBytes: sum(deviceB), parts: deviceB },
      host: hostParts(m, storedBytes, [
        { name: 'Trained weights', bytes: 4 * trained, why: 'fp32 masters of the trained weights' },
        { name: 'Gradients', bytes: 4 * trained, why: 'one fp32 gradient per trained weight, copied down every step' },
        { name: 'Optimizer', bytes: states, why: `${optimizerWhy}, updated on the host` },
      ]),
    },
  ];
}

/** How the candidates fare on a GPU: the first that fits (null: none, or the GPU's memory is unknown), and the budgets. */
export interface GpuJudgement {
  chosen: GpuEstimate | null;
  /** null: the GPU's memory is unknown. */
  budgetBytes: number | null;
  hostBudgetBytes: number;
  /** Of the chosen estimate, else of the one that needs least GPU memory; null where the GPU's memory is unknown. */
  fit: Fit | null;
}

/**
 * An estimate fits when its GPU part is within the GPU's budget and its host part within the
 * host's; where the two share memory (software renderers, unified memory) their sum must fit
 * the host's. Tight: within all of the GPU's memory and 90% of the host's.
 */
export function judgeGpu(candidates: readonly GpuEstimate[], memory: GpuAdapter['memory'], machine: MachineMemory, hostLimitBytes?: number): GpuJudgement {
  const budget = gpuBudget(memory, machine, hostLimitBytes);
  const hostBudgetBytes = memoryBudget(machine, hostLimitBytes);
  const shared = memory?.source === 'shared';
  const hostNeed = (e: GpuEstimate) => (shared ? e.device.totalBytes + e.host.totalBytes : e.host.totalBytes);
  const fits = (e: GpuEstimate) => budget !== null && e.device.totalBytes <= budget && hostNeed(e) <= hostBudgetBytes;
  const chosen = candidates.find(fits) ?? null;
  const judged = chosen ?? candidates.reduce((a, b) => (b.device.totalBytes < a.device.totalBytes ? b : a));
  let fit: Fit | null = null;
  if (memory && budget !== null) {
    const host = fitOnMachine(hostNeed(judged), machine, hostLimitBytes);
    const deviceTight = shared || judged.device.totalBytes <= memory.totalBytes;
    fit = chosen ? 'fits' : deviceTight && host !== 'wont-fit' ? 'tight' : 'wont-fit';
  }
  return { chosen, budgetBytes: budget, hostBudgetBytes, fit };
}

/**
 * The most GPU memory a job allows itself: GPU_SHARE of what is free (or of all of it, where the
 * driver does not say what is free); for memory shared with the host (software renderers,
 * Apple's unified memory) the host's budget. null: the GPU's memory is unknown.
 */
export function gpuBudget(memory: GpuAdapter['memory'], machine: MachineMemory, hostLimitBytes?: number): number | null {
  if (!memory) return null;
  if (memory.source === 'shared') return memoryBudget(machine, hostLimitBytes);
  return GPU_SHARE * (memory.freeBytes ?? memory.totalBytes);
}
