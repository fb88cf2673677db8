/** Compute jobs as the UI sees them: the history, live progress, start and cancel. */
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import type { JobKind, JobRecord, JobRequestParams } from '../../../shared/jobs';
import { api } from '../api';

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobRecord[]>([]);
  const logs = ref<Record<string, string[]>>({});
  let subscribed = false;

  function upsert(record: JobRecord) {
    const i = jobs.value.findIndex((j) => j.id === record.id);
    if (i >= 0) jobs.value[i] = record;
    else jobs.value.unshift(record);
  }

  async function load() {
    jobs.value = await api().invoke('jobs.list', {});
    if (subscribed) return;
    subscribed = true;
    api().on('job.updated', upsert);
    api().on('job.progress', (p) => {
      const job = jobs.value.find((j) => j.id === p.id);
      if (job) job.progress = { fraction: p.fraction, message: p.message };
    });
    api().on('job.log', (l) => {
      const lines = (logs.value[l.id] ??= []);
      lines.push(l.line);
      if (lines.length > 500) lines.splice(0, lines.length - 500);
    });
  }

  async function start<K extends JobKind>(kind: K, params: JobRequestParams<K>, projectId: string | null = null) {
    const record = await api().invoke('jobs.start', { kind, params: params as Record<string, unknown>, projectId });
    // The job's own events may have arrived before this reply: never go back to an older state.
    if (!jobs.value.some((j) => j.id === record.id)) jobs.value.unshift(record);
    return jobs.value.find((j) => j.id === record.id)!;
  }

  async function cancel(id: string) {
    upsert(await api().invoke('jobs.cancel', { id }));
  }

  const active = computed(() => jobs.value.filter((j) => j.state === 'running' || j.state === 'queued'));

  /** Resolves with the final record of a job (for steps that wait on their own job). */
  function byId(id: string) {
    return computed(() => jobs.value.find((j) => j.id === id) ?? null);
  }

  return { jobs, logs, active, load, start, cancel, byId };
});
