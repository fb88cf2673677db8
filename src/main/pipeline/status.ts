/**
 * The state of every stage of a project, read from its stage records (stages/<name>.json): a dry
 * run of the pipeline that runs nothing, stops at the first stage that is not up to date, and
 * lists the stages after it. Quick by default: an artifact counts when it exists (its checksum is
 * checked when the stage is about to be reused, by the run itself).
 */
import { stageLabel, stepOfStage, type PipelineStatus, type StageState, type StageStatus } from '../../shared/pipeline.js';
import { projectRunOptions } from './project-options.js';
import { walkStages, type RunOptions } from './run.js';
import { readStageRecord } from './stage.js';

/**
 * Every stage the pipeline runs for these options, in order (the built model's measurement only
 * where S changes the function; each further seed's training and measurement after the first's).
 */
export function stageNames(o: Pick<RunOptions, 'baselines' | 'seeds'>): string[] {
  const names = ['model', 'corpus', 'score-domain', 'score-general', 'evaluate-base'];
  const trained = (strategy: string) =>
    Array.from({ length: o.seeds ?? 1 }, (_, k) => (k === 0 ? '' : `-seed${k}`)).flatMap((suffix) => [
      `train-${strategy}${suffix}`,
      `evaluate-${strategy}${suffix}`,
    ]);
  for (const strategy of ['s', ...o.baselines]) {
    if (strategy === 'lora') names.push(...trained('lora'));
    else names.push(`plan-${strategy}`, `apply-${strategy}`, ...(strategy === 's' ? ['evaluate-built-s'] : []), ...trained(strategy));
  }
  return [...names, 'export', 'report'];
}

export async function stagesStatus(o: RunOptions, verify = false): Promise<StageStatus[]> {
  const walked = await walkStages(o, { dryRun: true, verify });
  const seen = new Map(walked.visited.map((v) => [v.name, v]));
  const names = walked.visited.map((v) => v.name);
  // The stages after the first one to run, in the order of the full list.
  for (const name of stageNames(o)) if (!seen.has(name)) names.push(name);
  const out: StageStatus[] = [];
  for (const name of names) {
    const visited = seen.get(name);
    const record = visited ? visited.record : await readStageRecord(o.out, name);
    // A skipped built-model measurement (the plan keeps the base function) is not a stage of this run.
    if (!visited && name.startsWith('evaluate-built-') && !record && walked.visited.some((v) => v.name === `train-${name.slice(15)}`)) continue;
    const state: StageState = visited ? (visited.state === 'done' || visited.state === 'ran' ? 'done' : visited.state) : record ? 'stale' : 'to-do';
    out.push({ name, label: stageLabel(name), step: stepOfStage(name), state, seconds: record?.seconds ?? null, finishedAt: record?.finishedAt ?? null });
  }
  return out;
}

/** The status of a project folder's stages, or what to choose before they can run. */
export async function pipelineStatus(projectDir: string): Promise<PipelineStatus> {
  const r = await projectRunOptions(projectDir);
  if (r.missing !== null) return { missing: r.missing, stages: [] };
  return { missing: null, stages: await stagesStatus(r.options) };
}
