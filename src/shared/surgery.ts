/** What the surgery (`slayer apply`) reports. Computed by src/main/surgery. */

export interface ComparedLogits {
  maxAbsDiff: number;
  tolerance: number;
  passed: boolean;
}

/** What every surgery records: the new model computes what the plan says (src/main/surgery/function-check.ts). */
export interface CheckedFunction {
  checked: true;
  /** Both comparisons passed. */
  passed: boolean;
  /** The new model against the reference composition of the base model (the `composition` comparison). */
  maxAbsDiff: number;
  tolerance: number;
  /** The new model with and without its new blocks; null when the plan adds none. */
  newBlocks: ComparedLogits | null;
  /** What the new model was compared with, in words. */
  reference: string;
  sequences: number;
  tokens: number;
}

/** `checked: false` only in records written before every surgery was checked. */
export type FunctionCheck = CheckedFunction | { checked: false; reason: string };

export interface ApplyResult {
  /** Absolute path of the new model folder. */
  out: string;
  layers: number;
  parameters: number;
  trainableLayers: number[];
  functionCheck: FunctionCheck;
  /** Size of every file in the new folder. */
  bytesWritten: number;
  seconds: number;
  /** Fingerprint of the source model (see SurgeryRecord.source). */
  sourceSha256: string;
}
