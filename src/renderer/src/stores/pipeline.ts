/**
 * The open project's pipeline: the state of every stage as the stage records on disk say
 * (pipeline.status), and the 'pipeline' job that runs stages — up to one step's stages, or every
 * remaining stage ("Do the remaining steps for me"). A run of every stage that succeeds lands on
 * the Evaluate step.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { jobsOfKind } from '../../../shared/jobs';
import type { PipelineStatus, StageOutput, StageRecord, StageStatus } from '../../../shared/pipeline';
import { api } from '../api';
import { useAppStore } from './app';
import { useJobsStore } from './jobs';
import { useProjectSettingsStore } from './project-settings';

/** How often the stage list is read again while a pipeline job runs. */
const REFRESH_MS = 3000;

export const usePipelineStore = defineStore('pipeline', () => {
  const app = useAppStore();
  const jobs = useJobsStore();
  const status = ref<PipelineStatus | null>(null);
  const error = ref<string | null>(null);
  const startError = ref<string | null>(null);

  async function refresh() {
    const p = app.project;
    if (!p) {
      status.value = null;
      return;
    }
    try {
      const next = await api().invoke('pipeline.status', { projectId: p.id });
      if (p.id !== app.project?.id || !Array.isArray(next?.stages)) return;
      status.value = next;
      error.value = null;
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  /** The project's newest pipeline job (the history is newest first). */
  const job = computed(() => jobsOfKind(jobs.jobs, 'pipeline').find((j) => j.projectId === app.project?.id) ?? null);
  const running = computed(() => job.value !== null && (job.value.state === 'running' || job.value.state === 'queued'));
  /** The stages not done (to run), in order. */
  const remaining = computed(() => status.value?.stages.filter((s) => s.state !== 'done') ?? []);

  /** One stage's state in the open project, null before the status is read or when the stage is not part of the run. */
  function stage(name: string): StageStatus | null {
    return status.value?.stages.find((s) => s.name === name) ?? null;
  }

  /** One stage's record in the open project, its output typed by the stage's name; null when it never ran. */
  async function record<N extends string>(name: N): Promise<StageRecord<StageOutput<N>> | null> {
    const p = app.project;
    if (!p) return null;
    return (await api().invoke('pipeline.record', { projectId: p.id, name })) as StageRecord<StageOutput<N>> | null;
  }

  /** Runs the stages up to `until`, or every remaining stage; done and unchanged stages are reused. */
  async function start(until?: string) {
    const p = app.project;
    if (!p) return;
    startError.value = null;
    try {
      await jobs.start('pipeline', { projectDir: p.dir, ...(until ? { until } : {}) }, p.id);
    } catch (e) {
      startError.value = (e as Error).message;
    }
  }

  /** Stops the running job; every stage it finished stays on disk, and the next start resumes after them. */
  async function stop() {
    if (job.value && running.value) await jobs.cancel(job.value.id);
  }

  // What the stages depend on: the project's model and field (project.json) and its settings.json.
  const projectSettings = useProjectSettingsStore();
  watch(() => [app.project?.id, app.project?.modelDir, app.project?.domain], refresh, { immediate: true });
  watch(() => projectSettings.settings, refresh, { deep: true });
  watch(
    () => [job.value?.id, job.value?.state] as const,
    ([id, state], [oldId, oldState]) => {
      if (!id) return;
      if (state !== 'running' && state !== 'queued') void refresh();
      if (id === oldId && state === 'succeeded' && oldState !== 'succeeded' && job.value?.params.until === undefined) app.step = 'evaluate';
    },
  );
  let timer: ReturnType<typeof setInterval> | undefined;
  watch(
    running,
    (on) => {
      clearInterval(timer);
      if (on) timer = setInterval(() => void refresh(), REFRESH_MS);
    },
    { immediate: true },
  );

  return { status, error, startError, job, running, remaining, stage, record, refresh, start, stop };
});
