/**
 * What the Inject step works on, read from the open project: the saved plan (or the plan-s stage's
 * when the Plan step saved none and the pipeline made one), whether the corpus
 * is built, the model's context length, the expanded and trained model folders, the saved
 * checkpoints, and the records of the pipeline's plan-s, apply-s and train-s stages (and the measurements of
 * the original and the built model before training) when those are done.
 * From these and the job history: where the build and the training run stand, and the settings
 * form of the next run. The step's components read it; InjectStep says when to read the disk again.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { jobsOfKind } from '../../../shared/jobs';
import type { StageRecord } from '../../../shared/pipeline';
import type { Plan } from '../../../shared/plan';
import type { Measurement } from '../../../shared/report';
import type { ApplyResult } from '../../../shared/surgery';
import type { TrainResult } from '../../../shared/training';
import { joinPath, planFileOf } from '../../../shared/project-layout';
import { api } from '../api';
import { errorText } from '../error-text';
import { expansionState } from '../expansion';
import { defaultForm, formOf, injectPlaces, resumeParams, trainParams, type TrainForm } from '../train-settings';
import { checkpointSteps, resultCurves, runChain, runCurves, trainStatus } from '../training-run';
import { useAnalysisStore } from './analysis';
import { useAppStore } from './app';
import { useJobsStore } from './jobs';
import { usePipelineStore } from './pipeline';
import { useProjectSettingsStore } from './project-settings';
import { useTrainingStore } from './training';

/** The pipeline stages the step shows when they are newer than its own jobs. */
export const INJECT_STAGES = ['plan-s', 'apply-s', 'train-s', 'evaluate-base', 'evaluate-built-s'] as const;

const exists = (path: string) =>
  api()
    .invoke('fs.browse', { path })
    .catch(() => null);

export const useInjectStore = defineStore('inject', () => {
  const app = useAppStore();
  const jobs = useJobsStore();
  const analysis = useAnalysisStore();
  const pipeline = usePipelineStore();
  const training = useTrainingStore();
  const projectSettings = useProjectSettingsStore();
  const project = computed(() => app.project);
  const places = computed(() => (project.value ? injectPlaces(project.value) : null));

  // On disk.
  /** The Plan step's plan.json. */
  const savedPlan = ref<Plan | null>(null);
  const planError = ref<string | null>(null);
  const planStage = ref<StageRecord<Plan> | null>(null);
  const corpusOnDisk = ref<boolean | null>(null);
  const maxSeqLen = ref<number | null>(null);
  const expandedOnDisk = ref(false);
  const trainedOnDisk = ref(false);
  const checkpoints = ref<number[]>([]);
  const applyStage = ref<StageRecord<ApplyResult> | null>(null);
  const trainStage = ref<StageRecord<TrainResult> | null>(null);
  /** The original and the built model before training, as the pipeline measured them (evaluate-base, evaluate-built-s). */
  const measuredBase = ref<Measurement | null>(null);
  const measuredBuilt = ref<Measurement | null>(null);
  const loaded = ref(false);
  const form = ref<TrainForm>(defaultForm(512));
  const corpus = computed(() => (project.value ? analysis.builtCorpus(project.value) : null));
  /** The plan the step builds: plan.json, else (none saved) the one the pipeline's plan-s stage made and wrote to plans/s.json. */
  const plan = computed(() => savedPlan.value ?? (planError.value ? null : (planStage.value?.output ?? null)));
  const planFile = computed(() => {
    const p = project.value;
    if (!p) return null;
    return !savedPlan.value && planStage.value ? joinPath(p.dir, planFileOf('s')) : injectPlaces(p).plan;
  });
  /**
   * The built corpus's own sequence length (whoever built it; before it is read, the project's corpus
   * settings, which the pipeline's corpus stage cuts by) within the model's context: what training reads, and what the
   * built model is measured on.
   */
  const seqLen = computed(() => {
    const own = corpus.value?.report.seqLen ?? projectSettings.settings.corpus.seqLen;
    return Math.min(own, maxSeqLen.value ?? own);
  });

  /** Which output folders exist and which checkpoints are saved (changes whenever a job of this step ends). */
  async function refreshDisk() {
    const at = places.value;
    if (!at) return;
    const [expanded, trained, saved] = await Promise.all([exists(at.expanded), exists(at.trained), exists(`${at.trained}/checkpoints`)]);
    if (at !== places.value) return;
    expandedOnDisk.value = expanded !== null;
    trainedOnDisk.value = trained !== null && trained.entries.length > 0;
    checkpoints.value = checkpointSteps(saved?.entries.filter((e) => e.kind === 'dir').map((e) => e.name) ?? []);
  }

  /**
   * The records of the step's stages (INJECT_STAGES) that the pipeline says are done (changes when a
   * pipeline run ends). Read once for each state of the stages, however many ask. `fresh`: read the
   * stage list again first (the plan or the folders may have changed since it was read).
   */
  let reading: { key: string; done: Promise<void> } | null = null;
  async function readStages(fresh = false) {
    // Before the stage list is known, an older build of the step's own would show (and be measured) for a moment.
    if (fresh || !pipeline.status) await pipeline.refresh();
    const id = project.value?.id;
    const key = [id, ...INJECT_STAGES.map((name) => `${pipeline.stage(name)?.state}@${pipeline.stage(name)?.finishedAt}`)].join();
    if (reading?.key !== key) reading = { key, done: readRecords(id) };
    return reading.done;
  }
  async function readRecords(id: string | undefined) {
    const done = (name: string) => pipeline.stage(name)?.state === 'done';
    const [planned, apply, train, base, built] = await Promise.all([
      done('plan-s') ? pipeline.record('plan-s').catch(() => null) : null,
      done('apply-s') ? pipeline.record('apply-s').catch(() => null) : null,
      done('train-s') ? pipeline.record('train-s').catch(() => null) : null,
      done('evaluate-base') ? pipeline.record('evaluate-base').catch(() => null) : null,
      done('evaluate-built-s') ? pipeline.record('evaluate-built-s').catch(() => null) : null,
    ]);
    if (id !== project.value?.id) return;
    planStage.value = planned;
    measuredBase.value = base?.output ?? null;
    measuredBuilt.value = built?.output ?? null;
    applyStage.value = apply;
    trainStage.value = train;
  }

  /** Resolves once the project's settings.json is read (the corpus's sequence length is there), or another project opened. */
  async function settingsRead(id: string) {
    const read = () => projectSettings.loadedFor === id || project.value?.id !== id;
    if (read()) return;
    await new Promise<void>((resolve) => {
      const stop = watch(read, (yes) => {
        if (!yes) return;
        stop();
        resolve();
      });
    });
  }

  async function load() {
    const p = project.value;
    loaded.value = false;
    savedPlan.value = planError.value = null;
    corpusOnDisk.value = null;
    if (!p) return;
    const [saved, corpusListing, info] = await Promise.all([
      api()
        .invoke('plan.load', { projectId: p.id })
        .catch((e: unknown) => {
          planError.value = errorText(e);
          return null;
        }),
      exists(`${p.dir}/corpus`).then((l) => l?.entries.some((e) => e.name === 'corpus.json') ?? false),
      p.modelDir
        ? api()
            .invoke('model.inspect', { dir: p.modelDir })
            .catch(() => null)
        : null,
      refreshDisk(),
      readStages(true),
      settingsRead(p.id),
    ]);
    if (p.id !== project.value?.id) return;
    savedPlan.value = saved;
    corpusOnDisk.value = corpusListing;
    maxSeqLen.value = info?.maxPositionEmbeddings ?? null;
    // The corpus is cut into sequences of its own length; train on those unless the model's context is shorter.
    const defaults = defaultForm(seqLen.value);
    form.value = latestTrain.value ? formOf(latestTrain.value.params, defaults) : defaults;
    loaded.value = true;
  }

  /** The three things the step needs from the earlier steps, each with the step that makes it. */
  const needs = computed(() => [
    {
      id: 'model',
      ok: !!project.value?.modelDir,
      words: 'The model to teach',
      missing: 'Choose the model in step 1.',
      go: 'model' as const,
      label: 'Go to Model',
    },
    {
      id: 'corpus',
      ok: !!corpus.value || corpusOnDisk.value === true || pipeline.stage('corpus')?.state === 'done',
      words: 'Your documents, built into a corpus',
      missing: 'Build the corpus in step 2.',
      go: 'corpus' as const,
      label: 'Go to Corpus',
    },
    {
      id: 'plan',
      ok: plan.value !== null,
      words: 'A saved plan',
      missing: planError.value ? `The saved plan cannot be used: ${planError.value}` : 'Save a plan in step 4.',
      go: 'plan' as const,
      label: 'Go to Plan',
    },
  ]);
  const ready = computed(() => loaded.value && needs.value.every((n) => n.ok));

  // The build: the project's apply jobs into models/s-expanded (newest first), or the apply-s stage when newer.
  const mine = computed(() => jobs.jobs.filter((j) => j.projectId === project.value?.id));
  const applies = computed(() => jobsOfKind(mine.value, 'apply').filter((j) => j.params.out === places.value?.expanded));
  const expansion = computed(() =>
    plan.value && project.value?.modelDir ? expansionState(applies.value, plan.value, project.value.modelDir, applyStage.value) : null,
  );
  const applyParams = computed(() =>
    plan.value && places.value && project.value?.modelDir
      ? { modelDir: project.value.modelDir, plan: plan.value, out: places.value.expanded, overwrite: expandedOnDisk.value }
      : null,
  );

  // The training run: the newest train job into models/s-trained and those it resumed, or the train-s stage when newer.
  const latestTrain = computed(() => jobsOfKind(mine.value, 'train').find((j) => j.params.out === places.value?.trained) ?? null);
  /** When models/s-expanded was last written: checkpoints of an earlier build are not offered for resuming. */
  const builtAt = computed(() => {
    const e = expansion.value;
    return e?.kind === 'built' && e.by === 'pipeline' ? e.builtAt : (applies.value.find((j) => j.state === 'succeeded')?.endedAt ?? null);
  });
  const status = computed(() => trainStatus(latestTrain.value, checkpoints.value, builtAt.value, trainStage.value));
  const chain = computed(() => (places.value ? runChain(mine.value, places.value.trained) : []));
  const curves = computed(() =>
    status.value.kind === 'done' && status.value.job === null ? resultCurves(status.value.result) : runCurves(chain.value, training.seen),
  );
  const resumable = computed(() => (status.value.kind === 'stopped' && status.value.savedStep !== null ? status.value : null));
  const canTrain = computed(() => expansion.value?.kind === 'built' && status.value.kind !== 'active');
  const newParams = computed(() => (places.value ? trainParams(form.value, places.value, trainedOnDisk.value) : null));
  /** What the next start does: resume the stopped run with its own settings, or start a new run with the form's. */
  const nextParams = computed(() => (resumable.value ? resumeParams(resumable.value.job.params) : newParams.value));

  return {
    project,
    places,
    savedPlan,
    plan,
    planFile,
    planError,
    planStage,
    corpusOnDisk,
    maxSeqLen,
    expandedOnDisk,
    trainedOnDisk,
    checkpoints,
    applyStage,
    trainStage,
    measuredBase,
    measuredBuilt,
    loaded,
    form,
    corpus,
    seqLen,
    refreshDisk,
    readStages,
    load,
    needs,
    ready,
    mine,
    applies,
    expansion,
    applyParams,
    latestTrain,
    status,
    chain,
    curves,
    resumable,
    canTrain,
    newParams,
    nextParams,
  };
});
