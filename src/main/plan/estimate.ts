/**
 * What a plan will cost: parameters, size on disk, memory to train it on this machine, and
 * (given a measured step time) how long training takes. Pure functions except machineMemory().
 */
import { totalmem, freemem } from 'node:os';
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import { weightDtypeOfTorch } from '../model/torch-dtype.js';
import type { EstimateOptions, Fit, MachineMemory, PlanEstimate, TrainingMemory, TrainingRun, WeightDtype } from '../../shared/estimate.js';

export const BYTES_PER_ELEMENT: Record<WeightDtype, number> = { f32: 4, f16: 2, bf16: 2 };
/** Training runs in fp32: the CPU engine has no bf16 kernels, and fp32 AdamW state is the norm. */
const FP32 = 4;

/** The dtype a model is stored in, from config.json's torch_dtype; fp32 when it does not say. */
export function storedDtype(m: ModelDescription): WeightDtype {
  return weightDtypeOfTorch(m.torchDtype) ?? 'f32';
}

export function diskBytes(parameters: number, dtype: WeightDtype): number {
  return parameters * BYTES_PER_ELEMENT[dtype];
}

/**
 * Training memory with block-level recomputation (activation checkpointing per block), fp32:
 *
 *   weights     = 4 * P
 *   gradients   = 4 * P_train
 *   AdamW       = 8 * P_train                        (m and v)
 *   activations = 4 * ( c * B*T*H                    block inputs kept for recomputation
 *                     + 2 * B*T*(5H + 3q + 3kv + 4F) one block's tensors + their gradients while it is recomputed
 *                     + 2 * B*heads*T^2              its attention probabilities + gradient
 *                     + 2 * B*T*V )                  logits + their gradient
 *
 * with q = heads*headDim, kv = kvHeads*headDim. The per-token block term counts what a Llama
 * block's backward reads: 5 hidden-sized tensors (two norm outputs, o_proj output, the residual
 * sum, down_proj output), q/k/v before and after RoPE plus the attention output (3q + 3kv), and
 * gate, up, silu(gate), silu(gate)*up (4F). c is the number of blocks from the lowest trainable
 * one to the top: no gradient has to flow below the lowest trainable block, so blocks under it
 * keep nothing (all blocks when the embeddings are trained).
 */
export function trainingMemory(plan: Plan, m: ModelDescription, batch: number, seqLen: number): TrainingMemory {
  const { parameters, trainableParameters } = plan.counts;
  const [B, T, H, F] = [batch, seqLen, m.hiddenSize, m.intermediateSize];
  const q = m.heads * m.headDim;
  const kv = m.kvHeads * m.headDim;
  const lowestTrainable = plan.trainGlobals ? 0 : plan.layers.findIndex((l) => l.trainable);
  const checkpointed = plan.layers.length - lowestTrainable;
  const activationElements = checkpointed * B * T * H + 2 * B * T * (5 * H + 3 * q + 3 * kv + 4 * F) + 2 * B * m.heads * T * T + 2 * B * T * m.vocabSize;

  const weightsBytes = FP32 * parameters;
  const gradientBytes = FP32 * trainableParameters;
  const optimizerBytes = 2 * FP32 * trainableParameters;
  const activationBytes = FP32 * activationElements;
  return {
    batch,
    seqLen,
    weightsBytes,
    gradientBytes,
    optimizerBytes,
    activationBytes,
    totalBytes: weightsBytes + gradientBytes + optimizerBytes + activationBytes,
  };
}

export function machineMemory(): MachineMemory {
  return { totalBytes: totalmem(), freeBytes: freemem() };
}

/**
 * fits:     within 80% of the memory free now (room left for the OS, data loading, the UI);
 * tight:    beyond that but within 90% of physical memory — runs only if other programs give
 *           memory back, or slowly with swapping;
 * wont-fit: more than 90% of physical memory.
 */
export function fitOnMachine(needBytes: number, machine: MachineMemory): Fit {
  if (needBytes <= 0.8 * machine.freeBytes) return 'fits';
  if (needBytes <= 0.9 * machine.totalBytes) return 'tight';
  return 'wont-fit';
}

/** steps = ceil(tokens / (B * T * gradAccum)); seconds = steps * measured seconds per step. */
export function trainingTime(run: TrainingRun, batch: number, seqLen: number): { steps: number; seconds: number } {
  const steps = Math.ceil(run.tokens / (batch * seqLen * run.gradAccum));
  return { steps, seconds: steps * run.secondsPerStep };
}

export function estimatePlan(plan: Plan, m: ModelDescription, o: EstimateOptions): PlanEstimate {
  const dtype = o.dtype ?? storedDtype(m);
  const training = trainingMemory(plan, m, o.batch, o.seqLen);
  const machine = o.machine ?? machineMemory();
  return {
    parameters: plan.counts.parameters,
    trainableParameters: plan.counts.trainableParameters,
    disk: { dtype, bytes: diskBytes(plan.counts.parameters, dtype) },
    training,
    machine,
    fit: fitOnMachine(training.totalBytes, machine),
    time: o.run ? trainingTime(o.run, o.batch, o.seqLen) : null,
  };
}
