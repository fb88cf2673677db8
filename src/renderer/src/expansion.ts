/**
 * The Inject step's first stage: whether models/expanded holds the saved plan applied to the
 * project's model (the newest 'apply' job into it says which plan and model it was made from),
 * and the function check of that surgery in plain words.
 */
import type { JobRecord, JobResults } from '../../shared/jobs';
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

/** `applies`: the project's apply jobs into models/expanded, newest first. */
export function expansionState(applies: readonly JobRecord[], plan: Plan, modelDir: string): ExpansionState {
  const newest = applies[0] ?? null;
  if (newest && (newest.state === 'running' || newest.state === 'queued')) return { kind: 'building', job: newest };
  const built = applies.find((j) => j.state === 'succeeded');
  if (!built || newest !== built) return { kind: 'missing', job: newest };
  const result = built.result as JobResults['apply'];
  if (built.params.modelDir !== modelDir) return { kind: 'stale', job: built, result, why: 'It was built from another model than the project uses now.' };
  if (planShape(built.params.plan as Plan) !== planShape(plan)) return { kind: 'stale', job: built, result, why: 'The plan changed since it was built.' };
  return { kind: 'built', job: built, result };
}

/** The function check as a sentence, and whether it is good news, a warning, or not applicable. */
export function functionCheckWords(check: FunctionCheck): { tone: 'ok' | 'warn' | 'info'; text: string } {
  if (!check.checked) {
    return {
      tone: 'info',
      text: `Not checked: ${check.reason}, so the expanded model is meant to differ from the original until training teaches the new layers.`,
    };
  }
  const diff = check.maxAbsDiff === 0 ? '0' : check.maxAbsDiff.toExponential(1);
  if (check.passed) {
    return {
      tone: 'ok',
      text: `The new layers start as exact pass-throughs: the expanded model gives the same outputs as the original (max difference ${diff}).`,
    };
  }
  return {
    tone: 'warn',
    text: `The expanded model's outputs differ from the original's by up to ${diff} (allowed: ${check.tolerance.toExponential(1)}). The new layers are not exact pass-throughs; check the plan, or report this with the model.`,
  };
}
