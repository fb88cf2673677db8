/**
 * The Inject step's first stage: whether models/s-expanded holds the saved plan applied to the
 * project's model — as the newest 'apply' job into it says (which plan and model it was made
 * from), or as the pipeline's apply-s stage recorded it when that is newer — and the function
 * check of that surgery in plain words.
 */
import type { JobRecord } from '../../shared/jobs';
import type { Plan } from '../../shared/plan';
import type { StageRecord } from '../../shared/pipeline';
import type { ApplyResult, FunctionCheck } from '../../shared/surgery';
import { planShape } from './plan-edit';

export type ExpansionState =
  /** Never built, or the newest build failed or was cancelled (`job` then says why). */
  | { kind: 'missing'; job: JobRecord<'apply'> | null }
  | { kind: 'building'; job: JobRecord<'apply'> }
  /** Built, but from another plan or model than the project's now. */
  | { kind: 'stale'; job: JobRecord<'apply'>; result: ApplyResult; why: string }
  /** Built by the step's own apply job (`builtAt`: when it ended). */
  | { kind: 'built'; by: 'job'; job: JobRecord<'apply'>; result: ApplyResult; builtAt: string | null }
  /** Built by the pipeline's apply-s stage ("Do the remaining steps for me", the stage list, `slayer run`). */
  | { kind: 'built'; by: 'pipeline'; job: null; result: ApplyResult; builtAt: string };

/**
 * Whether a pipeline stage's record is newer than the step's own newest job of the same work: a
 * job still running, or one that ended after the stage finished, is what the step shows.
 */
export function stageIsNewer(record: Pick<StageRecord<unknown>, 'finishedAt'> | null, newest: JobRecord | null): boolean {
  if (!record) return false;
  if (!newest) return true;
  if (newest.state === 'running' || newest.state === 'queued') return false;
  return Date.parse(newest.endedAt ?? newest.createdAt) < Date.parse(record.finishedAt);
}

/**
 * `applies`: the project's apply jobs into models/s-expanded, newest first. `stage`: the apply-s
 * stage's record when the pipeline says that stage is done (its inputs are the project's model and
 * plan now, its folder unchanged), else null.
 */
export function expansionState(
  applies: readonly JobRecord<'apply'>[],
  plan: Plan,
  modelDir: string,
  stage: StageRecord<ApplyResult> | null = null,
): ExpansionState {
  const newest = applies[0] ?? null;
  if (newest && (newest.state === 'running' || newest.state === 'queued')) return { kind: 'building', job: newest };
  if (stage && stageIsNewer(stage, newest)) return { kind: 'built', by: 'pipeline', job: null, result: stage.output, builtAt: stage.finishedAt };
  const built = applies.find((j) => j.state === 'succeeded');
  if (!built?.result || newest !== built) return { kind: 'missing', job: newest };
  const result = built.result;
  if (built.params.modelDir !== modelDir) return { kind: 'stale', job: built, result, why: 'It was built from another model than the project uses now.' };
  if (!sameShape(built.params.plan, plan)) return { kind: 'stale', job: built, result, why: 'The plan changed since it was built.' };
  return { kind: 'built', by: 'job', job: built, result, builtAt: built.endedAt };
}

/** Whether the plan an apply job was given (its parameter is not typed by the job schema) makes the same model as `plan`. */
function sameShape(given: unknown, plan: Plan): boolean {
  return isPlan(given) && planShape(given) === planShape(plan);
}
const isPlan = (value: unknown): value is Plan => typeof value === 'object' && value !== null && 'layers' in value && Array.isArray(value.layers);

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
