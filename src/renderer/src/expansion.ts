/**
 * The Inject step's first stage: whether models/s-expanded holds the saved plan applied to the
 * project's model (the newest 'apply' job into it says which plan and model it was made from),
 * and the function check of that surgery in plain words.
 */
import { jobResult, type JobRecord, type JobResults } from '../../shared/jobs';
import type { Plan } from '../../shared/plan';
import type { FunctionCheck } from '../../shared/surgery';
import { planShape } from './plan-edit';

export type ExpansionState =
  /** Never built, or the newest build failed or was cancelled (`job` then says why). */
  | { kind: 'missing'; job: JobRecord | null }
  | { kind: 'building'; job: JobRecord }
  /** Built, but from another plan or model than the project's now. */
  | { kind: 'stale'; job: JobRecord; result: JobResults['apply']; why: string }
  | { kind: 'built'; job: JobRecord; result: JobResults['apply'] };

/** `applies`: the project's apply jobs into models/s-expanded, newest first. */
export function expansionState(applies: readonly JobRecord<'apply'>[], plan: Plan, modelDir: string): ExpansionState {
  const newest = applies[0] ?? null;
  if (newest && (newest.state === 'running' || newest.state === 'queued')) return { kind: 'building', job: newest };
  const built = applies.find((j) => j.state === 'succeeded');
  if (!built || newest !== built) return { kind: 'missing', job: newest };
  const result = jobResult(built, 'apply')!;
  if (built.params.modelDir !== modelDir) return { kind: 'stale', job: built, result, why: 'It was built from another model than the project uses now.' };
  if (planShape(built.params.plan as Plan) !== planShape(plan)) return { kind: 'stale', job: built, result, why: 'The plan changed since it was built.' };
  return { kind: 'built', job: built, result };
}

/** The function check as a sentence, and whether it is good news, a warning, or not applicable (records from before every surgery was checked). */
export function functionCheckWords(check: FunctionCheck): { tone: 'ok' | 'warn' | 'info'; text: string } {
  if (!check.checked) {
    return {
      tone: 'info',
      text: `Not checked: ${check.reason}, so the expanded model is meant to differ from the original until training teaches the new layers.`,
    };
  }
  const diff = (x: number) => (x === 0 ? '0' : x.toExponential(1));
  const unchanged = check.reference === 'the base model';
  if (check.passed) {
    if (unchanged) {
      const what = check.newBlocks ? 'The new layers start as exact pass-throughs: the expanded model' : 'The built model';
      return { tone: 'ok', text: `${what} gives the same outputs as the original (max difference ${diff(check.maxAbsDiff)}).` };
    }
    const blocks = check.newBlocks
      ? `The new layers start as exact pass-throughs (max difference ${diff(check.newBlocks.maxAbsDiff)}), and the rest`
      : 'The built model';
    return {
      tone: 'ok',
      text: `${blocks} computes exactly what the plan says: ${check.reference} (max difference ${diff(check.maxAbsDiff)}). Deleting and refreshing layers change the outputs on purpose; training recovers what they cost.`,
    };
  }
  if (check.newBlocks && !check.newBlocks.passed) {
    return {
      tone: 'warn',
      text: `The new layers are not exact pass-throughs: with them the outputs differ by up to ${diff(check.newBlocks.maxAbsDiff)} (allowed: ${check.newBlocks.tolerance.toExponential(1)}). Check the plan, or report this with the model.`,
    };
  }
  return {
    tone: 'warn',
    text: `The expanded model's outputs differ from ${check.reference} by up to ${diff(check.maxAbsDiff)} (allowed: ${check.tolerance.toExponential(1)}). Check the plan, or report this with the model.`,
  };
}
