/**
 * What the all-stages progress view shows of a running 'pipeline' job: the stage it is on (from
 * its "NAME: running…" log lines, else its progress message), how long it has run, and the time
 * left at the pace seen since this view first saw it working (stages reused at the start take no
 * time, so the pace is measured from then on, not from the job's start).
 */
import type { JobRecord } from '../../shared/jobs';
import type { StageStatus } from '../../shared/pipeline';

export interface PaceMark {
  jobId: string;
  at: number;
  fraction: number;
}

/** The stage named by the last "NAME: running…" log line, or null. */
export function currentStageOf(lines: readonly string[] | undefined): string | null {
  for (let i = (lines?.length ?? 0) - 1; i >= 0; i--) {
    const m = /^([a-z][a-z0-9-]*): running…$/.exec(lines![i]);
    if (m) return m[1];
  }
  return null;
}

/** Seconds left at the pace since `mark`, or null while there is too little progress to tell. */
export function secondsLeft(job: JobRecord, mark: PaceMark | null, now: number): number | null {
  const f = job.progress?.fraction;
  if (f === null || f === undefined || !mark || mark.jobId !== job.id) return null;
  const done = f - mark.fraction;
  const seconds = (now - mark.at) / 1000;
  if (done <= 0.005 || seconds < 1) return null;
  return ((1 - f) * seconds) / done;
}

/** The stages in order with the one running marked (a stage running is "to do" or "stale" on disk until it finishes). */
export function stageRows(stages: readonly StageStatus[], current: string | null): (StageStatus & { running: boolean })[] {
  return stages.map((s) => ({ ...s, running: s.name === current && s.state !== 'done' }));
}
