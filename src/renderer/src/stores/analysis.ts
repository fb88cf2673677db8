/**
 * What the Corpus, Analyze, Plan and Evaluate steps share about the project's corpus and layer
 * scores, whoever made them: the steps' own jobs (from the job history, so they survive a reload)
 * or the pipeline's stages (their records on disk, stages/<name>.json, which `slayer run --out
 * PROJECT` and "Do the remaining steps for me" write). The newer of the two is shown, and says
 * which it is. The domain scores the person chose for the plan ("Use these scores in the plan")
 * are kept in the project's settings; without a choice the plan reads the pipeline's own
 * measurement, as the pipeline's plan-s stage does.
 * Results only count for the project's current model: a corpus is tokenised by its model, and
 * scores belong to one model's layers.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { Project } from '../../../shared/api';
import type { ScoreResult } from '../../../shared/analysis';
import type { CorpusReport } from '../../../shared/corpus';
import type { CorpusMixture } from '../../../shared/mixture';
import type { CorpusStageOutput, StageRecord } from '../../../shared/pipeline';
import { jobResult, jobsOfKind, type JobKind, type JobParams, type JobRecord, type JobResults } from '../../../shared/jobs';
import { api } from '../api';
import { useAppStore } from './app';
import { useJobsStore } from './jobs';
import { usePipelineStore } from './pipeline';
import { useProjectSettingsStore } from './project-settings';

/** The scores document of a score job's result (one definition, shared with main's pipeline). */
export { layerScoresOf } from '../../../shared/plan';

/** Where the Corpus step and the pipeline's corpus stage build the project's corpus. */
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
/** The pipeline stage that measures each split. */
export const SCORE_STAGE: Record<ScoreSplit, 'score-domain' | 'score-general'> = { train: 'score-domain', 'general-train': 'score-general' };
/** What "Use these scores in the plan" keeps for the pipeline's domain scores (a job's scores keep the job's id). */
export const STAGE_SCORES_CHOICE = 'stage:score-domain';

/** The kinds this store finds: jobs run on a project's model. */
type AnalysisKind = 'corpus' | 'score' | 'probe';

export interface Finished<K extends JobKind> {
  job: JobRecord<K>;
  result: JobResults[K];
}

/** The project's built corpus: by the Corpus step's job, or by the pipeline's corpus stage (its report read from corpus/corpus.json). */
export interface BuiltCorpus {
  report: CorpusReport;
  mixture: CorpusMixture | null;
  /** When it was built (ISO). */
  builtAt: string;
  /** The Corpus step's job that built it; null when the pipeline's corpus stage did. */
  job: JobRecord<'corpus'> | null;
}

/** Layer scores on one split: by the Analyze step's job, or the pipeline's score stage. */
export interface Scores {
  result: ScoreResult;
  /** When they were measured (ISO). */
  at: string;
  /** The Analyze step's score job; null when they are the pipeline's stage output. */
  job: JobRecord<'score'> | null;
  /** Names this measurement in the project's settings (planScoresJob) and to tell measurements apart. */
  key: string;
}

/** The stages whose records the steps show (the corpus stage's counts only after the model stage's). */
const STAGES_READ = ['model', 'corpus', 'score-domain', 'score-general'] as const;

/** What the project folder's stage records say about the corpus and the scores, read for one project and model. */
interface StageView {
  projectId: string;
  corpus: StageRecord<CorpusStageOutput> | null;
  /** The corpus folder's own report (corpus.json), which the stage record does not repeat. */
  report: CorpusReport | null;
  /** The model stage's record: the corpus stage's record counts only when it was made after this, for the project's model. */
  model: StageRecord<{ dir: string }> | null;
  scores: Record<ScoreSplit, StageRecord<ScoreResult> | null>;
}

export const useAnalysisStore = defineStore('analysis', () => {
  const jobs = useJobsStore();
  const app = useAppStore();
  const pipeline = usePipelineStore();
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

  // The stage records of the open project, read again whenever the stage list says one of them changed.
  const stages = ref<StageView | null>(null);
  const stageKey = computed(() => {
    const p = app.project;
    if (!p || !pipeline.status) return null;
    return JSON.stringify([p.id, p.modelDir, STAGES_READ.map((n) => [pipeline.stage(n)?.state, pipeline.stage(n)?.finishedAt])]);
  });
  let reads = 0;
  watch(
    stageKey,
    async (key) => {
      const run = ++reads;
      const p = app.project;
      if (!key || !p) {
        stages.value = null;
        return;
      }
      const read = await Promise.all([
        pipeline.record('model'),
        pipeline.record('corpus'),
        pipeline.record('score-domain'),
        pipeline.record('score-general'),
        api().invoke('corpus.report', { projectId: p.id }),
      ]).catch(() => null);
      if (run !== reads) return;
      const [model, corpus, domain, general, report] = read ?? [null, null, null, null, null];
      stages.value = { projectId: p.id, model, corpus, report, scores: { train: domain, 'general-train': general } };
    },
    { immediate: true },
  );

  /** The stage records when they are the given project's. */
  const stagesOf = (project: Project) => (stages.value?.projectId === project.id ? stages.value : null);

  /**
   * The corpus the pipeline's corpus stage built for the project's current model: its record
   * was written after the model stage's, and that one names the project's model.
   */
  function stageCorpus(project: Project): BuiltCorpus | null {
    const s = stagesOf(project);
    if (!s?.corpus || !s.report || !s.model || !project.modelDir) return null;
    if (s.model.output.dir !== project.modelDir || s.corpus.finishedAt < s.model.finishedAt) return null;
    return { report: s.report, mixture: s.corpus.output.mixture ?? null, builtAt: s.corpus.finishedAt, job: null };
  }

  /** The corpus the Corpus step's own job last built for the project's model (the Inject step reads its job parameters). */
  const corpus = (project: Project) => finished('corpus', project, inCorpus(project));

  /** The project's corpus as last built for its model, by the Corpus step's job or the pipeline, whichever is newer. */
  function builtCorpus(project: Project): BuiltCorpus | null {
    const own = corpus(project);
    const fromJob: BuiltCorpus | null = own
      ? { report: own.result, mixture: own.result.mixture ?? null, builtAt: own.job.endedAt ?? own.job.createdAt, job: own.job }
      : null;
    const fromStage = stageCorpus(project);
    if (!fromJob || !fromStage) return fromJob ?? fromStage;
    return fromStage.builtAt > fromJob.builtAt ? fromStage : fromJob;
  }
  /** The newest corpus job of any state, for progress and errors. */
  const corpusRun = (project: Project) => latest('corpus', project, inCorpus(project));

  /** The pipeline's scores on a split, when they were measured on the corpus shown and with the project's model. */
  function stageScores(project: Project, split: ScoreSplit): Scores | null {
    const record = stagesOf(project)?.scores[split];
    const built = stageCorpus(project);
    if (!record || !built || record.output.model.dir !== project.modelDir || record.finishedAt < built.builtAt) return null;
    return { result: record.output, at: record.finishedAt, job: null, key: `stage:${SCORE_STAGE[split]}@${record.finishedAt}` };
  }

  function jobScores(project: Project, split: ScoreSplit): Scores | null {
    const own = finished('score', project, onCorpus(project, split));
    return own ? { result: own.result, at: own.job.endedAt ?? own.job.createdAt, job: own.job, key: own.job.id } : null;
  }

  /** The newest scores on a split: the Analyze step's own, or the pipeline's measurement when that is newer. */
  function scores(project: Project, split: ScoreSplit): Scores | null {
    const own = jobScores(project, split);
    const staged = stageScores(project, split);
    if (!own || !staged) return own ?? staged;
    return staged.at > own.at ? staged : own;
  }
  const scoreRun = (project: Project, split: ScoreSplit) => latest('score', project, onCorpus(project, split));

  const probeMatch = (project: Project, kind: 'drop' | 'insert', init: 'copy' | 'average') => (p: JobParams<'probe'>) =>
    onCorpus(project, 'validation')(p) && p.kind === kind && (kind === 'drop' || (p.init ?? 'copy') === init);
  const probe = (project: Project, kind: 'drop' | 'insert', init: 'copy' | 'average') => finished('probe', project, probeMatch(project, kind, init));
  const probeRun = (project: Project, kind: 'drop' | 'insert', init: 'copy' | 'average') => latest('probe', project, probeMatch(project, kind, init));

  /**
   * The domain scores the plan uses: the score job chosen in the Analyze step, or the pipeline's
   * (chosen, or by default: the pipeline's plan-s stage plans from them too); null when there are none for this model.
   */
  function planScores(project: Project | null): Scores | null {
    if (!project || projectSettings.loadedFor !== project.id) return null;
    const chosen = projectSettings.settings.steps.planScoresJob;
    if (!chosen || chosen === STAGE_SCORES_CHOICE) return stageScores(project, 'train');
    const job = jobsOfKind(jobs.jobs, 'score').find((j) => j.id === chosen);
    const result = jobResult(job, 'score');
    if (!job || !result || job.params.modelDir !== project.modelDir) return null;
    return { result, at: job.endedAt ?? job.createdAt, job, key: job.id };
  }

  /** "Use these scores in the plan": a score job's, or the pipeline's domain scores. */
  function useInPlan(scores: Scores) {
    void projectSettings.update({ steps: { planScoresJob: scores.job ? scores.job.id : STAGE_SCORES_CHOICE } });
  }

  return { corpus, builtCorpus, corpusRun, scores, scoreRun, probe, probeRun, planScores, useInPlan };
});
