/**
 * What a plan will cost: parameters, size on disk, memory to train it on this machine, and
 * (given a measured step time) how long training takes. Pure functions given the machine's memory.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import type { MachineMemory } from '../../shared/memory.js';
import { fitOnMachine, machineMemory, memoryBudget } from '../memory/machine.js';
import { likelyEstimate } from '../memory/choose.js';
import { trainingEstimates } from '../memory/training.js';
import { weightDtypeOfTorch } from '../model/torch-dtype.js';
import type { EstimateOptions, PlanEstimate, TrainingMemory, TrainingRun, WeightDtype } from '../../shared/estimate.js';

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
  const lowestTrainable = plan.trainGlobals ? 0 : plan.layers.findIndex((l) => l.trainable);
  const estimates = trainingEstimates(m, BYTES_PER_ELEMENT[storedDtype(m)], {
    layers: plan.layers.length,
    parameters: plan.counts.parameters,
    trainableParameters: plan.counts.trainableParameters,
    lowestTrainable,
    batch,
    seqLen,
    optimizerStates: ADAMW_STATES,
  });
  const chosen = likelyEstimate(estimates, memoryBudget(machine));
  return { batch, seqLen, mode: chosen.mode, totalBytes: chosen.totalBytes, parts: chosen.parts, estimates };
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
  };
}
