/**
 * What the Corpus, Analyze and Plan steps share, read from the job history so it survives a
 * reload: the project's built corpus, its latest layer scores and probes, and the domain scores
 * the person chose for the plan ("Use these scores in the plan", kept in the project's settings).
 * Results only count for the project's current model: a corpus is tokenised by its model, and
 * scores belong to one model's layers.
 */
import { defineStore } from 'pinia';
import type { Project } from '../../../shared/api';
import { jobResult, jobsOfKind, type JobKind, type JobParams, type JobRecord, type JobResults } from '../../../shared/jobs';
import { useJobsStore } from './jobs';
import { useProjectSettingsStore } from './project-settings';

/** The scores document of a score job's result (one definition, shared with main's pipeline). */
export { layerScoresOf } from '../../../shared/plan';

/** Where the Corpus step builds the project's corpus (the 'corpus' job's out). */
export const corpusDir = (project: Project) => `${project.dir}/corpus`;

/**
 * Job parameters of a quick scan: int8 products, the int8 weights kept in the data folder's
 * weight cache (one entry per model, shared by projects). Nothing for a full-precision scan.
 */
export function scanParams(quick: boolean, dataDir: string | undefined): { precision?: 'int8'; weightCache?: string } {
  if (!quick) return {};
  return { precision: 'int8', ...(dataDir ? { weightCache: `${dataDir}/weight-cache` } : {}) };
}

/** A result measured by a quick scan (results from before quick scans existed are fp32). */
export const isQuick = (r: { precision?: string }) => r.precision === 'int8';

export type ScoreSplit = 'train' | 'general-train';
/** The kinds this store finds: jobs run on a project's model. */
type AnalysisKind = 'corpus' | 'score' | 'probe';

export interface Finished<K extends JobKind> {
  job: JobRecord<K>;
  result: JobResults[K];
}

/** The plan's copy of scores: only what plan.make reads, not the run's machine details. */
export const useAnalysisStore = defineStore('analysis', () => {
  const jobs = useJobsStore();
  const projectSettings = useProjectSettingsStore();

  /** The newest job of a kind for the project and its model that `match` accepts (jobs are newest first). */
  function latest<K extends AnalysisKind>(
    kind: K,
    project: Project,
    match: (params: JobParams<K>) => boolean,
    state?: JobRecord['state'],
  ): JobRecord<K> | null {
    return (
      jobsOfKind(jobs.jobs, kind).find(
        (j) => j.projectId === project.id && j.params.modelDir === project.modelDir && (!state || j.state === state) && match(j.params),
      ) ?? null
    );
  }

  function finished<K extends AnalysisKind>(kind: K, project: Project, match: (params: JobParams<K>) => boolean): Finished<K> | null {
    const job = latest(kind, project, match, 'succeeded');
    const result = jobResult(job, kind);
    return job && result ? { job, result } : null;
  }

  const inCorpus = (project: Project) => (p: { out: string }) => p.out === corpusDir(project);
  const onCorpus = (project: Project, split: string) => (p: { data: string; split?: string }) => p.data === corpusDir(project) && p.split === split;

  /** The project's corpus as last built for its model. */
  const corpus = (project: Project) => finished('corpus', project, inCorpus(project));
  /** The newest corpus job of any state, for progress and errors. */
  const corpusRun = (project: Project) => latest('corpus', project, inCorpus(project));

  const scores = (project: Project, split: ScoreSplit) => finished('score', project, onCorpus(project, split));
  const scoreRun = (project: Project, split: ScoreSplit) => latest('score', project, onCorpus(project, split));

  const probeMatch = (project: Project, kind: 'drop' | 'insert', init: 'copy' | 'average') => (p: JobParams<'probe'>) =>
    onCorpus(project, 'validation')(p) && p.kind === kind && (kind === 'drop' || (p.init ?? 'copy') === init);
  const probe = (project: Project, kind: 'drop' | 'insert', init: 'copy' | 'average') => finished('probe', project, probeMatch(project, kind, init));
  const probeRun = (project: Project, kind: 'drop' | 'insert', init: 'copy' | 'average') => latest('probe', project, probeMatch(project, kind, init));

  /** The domain scores the plan uses, or null when none were chosen for this model. */
  function planScores(project: Project | null): Finished<'score'> | null {
    const id = project && projectSettings.loadedFor === project.id ? projectSettings.settings.steps.planScoresJob : null;
    const job = id ? jobsOfKind(jobs.jobs, 'score').find((j) => j.id === id) : null;
    const result = jobResult(job, 'score');
    if (!project || !job || !result || job.params.modelDir !== project.modelDir) return null;
    return { job, result };
  }

  function useInPlan(jobId: string) {
    void projectSettings.update({ steps: { planScoresJob: jobId } });
  }

  return { corpus, corpusRun, scores, scoreRun, probe, probeRun, planScores, useInPlan };
});
