/** What the surgery (`slayer apply`) reports. Computed by src/main/surgery. */

/** Whether the new model computes the base model's function where the plan says it must. */
export type FunctionCheck =
  { checked: true; passed: boolean; maxAbsDiff: number; tolerance: number; sequences: number; tokens: number } | { checked: false; reason: string };

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
