/** Surgery's public API: apply a plan to a model folder, and what the result records. */
export { applyPlan } from './apply.js';
export type { ApplyOptions, ApplyResult } from './apply.js';
export type { CheckedFunction, FunctionCheck } from './function-check.js';
export { SURGERY_RECORD_FILE } from './record.js';
export type { SurgeryRecord } from './record.js';
export type { StatfsProbe } from './disk-space.js';
