/** Parameter counts of a planned model, from the shared per-block and global counts. */
import type { ModelDescription } from '../../shared/model.js';
import type { PlanCounts, PlanLayer } from '../../shared/plan.js';
import { blockParameters, globalParameters, modelParameters } from '../model/tensors.js';

/** Every block has the same shape, so totals are (number of blocks) x (one block) + globals. */
export function planCounts(m: ModelDescription, layers: readonly PlanLayer[], trainGlobals: boolean): PlanCounts {
  const trainableBlocks = layers.filter((l) => l.trainable).length;
  return {
    layers: layers.length,
    parameters: modelParameters(m, layers.length),
    trainableParameters: trainableBlocks * blockParameters(m) + (trainGlobals ? globalParameters(m) : 0),
  };
}
