/**
 * What a plan will cost: parameters, size on disk, memory to train it on this machine, and
 * (given a measured step time) how long training takes. Pure functions given the machine's memory.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import type { MachineMemory } from '../../shared/memory.js';
import type { GpuReport } from '../../shared/compute.js';
import { fitOnMachine, machineMemory, memoryBudget } from '../memory/machine.js';
import { likelyEstimate } from '../memory/choose.js';
import { gpuTrainingEstimates, judgeGpu } from '../memory/device.js';
import { trainingEstimates, type TrainingShape } from '../memory/training.js';
import { weightDtypeOfTorch } from '../model/torch-dtype.js';
import type { EstimateOptions, GpuTrainingEstimate, PlanEstimate, TrainingMemory, TrainingRun, WeightDtype } from '../../shared/estimate.js';

export const BYTES_PER_ELEMENT: Record<WeightDtype, number> = { f32: 4, f16: 2, bf16: 2 };
/** AdamW keeps two fp32 moments per trained value (the trainer's default optimizer). */
const ADAMW_STATES = 2;

/** The dtype a model is stored in, from config.json's torch_dtype; fp32 when it does not say. */
export function storedDtype(m: ModelDescription): WeightDtype {
  return weightDtypeOfTorch(m.torchDtype) ?? 'f32';
}

export function diskBytes(parameters: number, dtype: WeightDtype): number {
  return parameters * BYTES_PER_ELEMENT[dtype];
}

/**
 * Training memory of the model the plan builds (stored like its base), in the weight mode that
 * training would choose on `machine`: the fastest whose peak fits the memory budget, else the
 * one that needs least (the Plan step then shows "won't fit"). Formulas: src/main/memory/training.ts.
 */
export function trainingMemory(plan: Plan, m: ModelDescription, batch: number, seqLen: number, machine: MachineMemory = machineMemory()): TrainingMemory {
  const estimates = trainingEstimates(m, BYTES_PER_ELEMENT[storedDtype(m)], trainingShape(plan, batch, seqLen));
  const chosen = likelyEstimate(estimates, memoryBudget(machine));
  return { batch, seqLen, mode: chosen.mode, totalBytes: chosen.totalBytes, parts: chosen.parts, estimates };
}

/** What training the plan's model at this batch shape means for the memory formulas. */
export function trainingShape(plan: Plan, batch: number, seqLen: number): TrainingShape {
  return {
    layers: plan.layers.length,
    parameters: plan.counts.parameters,
    trainableParameters: plan.counts.trainableParameters,
    lowestTrainable: plan.trainGlobals ? 0 : plan.layers.findIndex((l) => l.trainable),
    batch,
    seqLen,
    optimizerStates: ADAMW_STATES,
  };
}

/**
 * Training the plan's model on a GPU (src/main/memory/device.ts): layout (a) and layout (b),
 * judged against `gpu` when it is a hardware adapter whose memory is known; otherwise the
 * arithmetic alone, for a GPU computing in fp16, with a note saying why.
 */
export function gpuTrainingMemory(plan: Plan, m: ModelDescription, batch: number, seqLen: number, gpu: GpuReport, machine: MachineMemory): GpuTrainingEstimate {
  const adapter = gpu.adapter;
  const precision = adapter && !adapter.shaderF16 ? 'fp32' : 'fp16';
  const layouts = gpuTrainingEstimates(m, BYTES_PER_ELEMENT[storedDtype(m)], trainingShape(plan, batch, seqLen), precision);
  let note: string | null = null;
  if (!adapter) note = `No GPU answered on this machine (${gpu.problem}); the figures are for a GPU computing in fp16.`;
  else if (adapter.software) note = `The only GPU here is ${adapter.name}, a software renderer: training would run on the CPU.`;
  else if (!adapter.memory) note = `The memory of ${adapter.name} is unknown: set it in Settings (GPU memory) to judge the fit.`;
  const judged = note === null ? judgeGpu(layouts, adapter!.memory, machine) : null;
  return {
    adapter: adapter && { name: adapter.name, software: adapter.software, memory: adapter.memory },
    note,
    precision,
    layouts,
    layout: judged?.chosen?.layout ?? null,
    fit: judged?.fit ?? null,
    budgetBytes: judged?.budgetBytes ?? null,
  };
}

/** steps = ceil(tokens / (B * T * gradAccum)); seconds = steps * measured seconds per step. */
export function trainingTime(run: TrainingRun, batch: number, seqLen: number): { steps: number; seconds: number } {
  const steps = Math.ceil(run.tokens / (batch * seqLen * run.gradAccum));
  return { steps, seconds: steps * run.secondsPerStep };
}

export function estimatePlan(plan: Plan, m: ModelDescription, o: EstimateOptions): PlanEstimate {
  const dtype = o.dtype ?? storedDtype(m);
  const machine = o.machine ?? machineMemory();
  const training = trainingMemory(plan, m, o.batch, o.seqLen, machine);
  return {
    parameters: plan.counts.parameters,
    trainableParameters: plan.counts.trainableParameters,
    disk: { dtype, bytes: diskBytes(plan.counts.parameters, dtype) },
    training,
    machine,
    fit: fitOnMachine(training.totalBytes, machine),
    time: o.run ? trainingTime(o.run, o.batch, o.seqLen) : null,
    ...(o.gpu ? { gpu: gpuTrainingMemory(plan, m, o.batch, o.seqLen, o.gpu, machine) } : {}),
  };
}
