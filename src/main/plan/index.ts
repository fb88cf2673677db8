/** The plan module's public API: make, check, estimate, show, read and write plans. */
export { makePlan } from './make.js';
export { validatePlan } from './validate.js';
export { estimatePlan, storedDtype, trainingMemory, trainingShape, trainingTime, diskBytes, BYTES_PER_ELEMENT } from './estimate.js';
export { formatPlan, formatEstimate } from './format.js';
export { readPlanFile, writePlanFile } from './io.js';
export { parseLayerSpec } from './spec.js';
export { readScores, parseScores } from './scores.js';
