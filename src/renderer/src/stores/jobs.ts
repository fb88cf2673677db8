/**
 * Compute jobs as the UI sees them: the history, live progress, start and cancel. A job's end can
 * be missed (it ended while a reloaded page was connecting to the event stream), so the unfinished
 * jobs are asked for now and then: no view waits forever on a job that already ended.
 */
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import type { JobKind, JobRecord, JobRequestParams } from '../../../shared/jobs';
import { api } from '../api';

const CHECK_EVERY_MS = 5000;

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobRecord[]>([]);
  const active = computed(() => jobs.value.filter((j) => j.state === 'running' || j.state === 'queued'));
  const logs = ref<Record<string, string[]>>({});
  let subscribed = false;
  let checker: ReturnType<typeof setInterval> | undefined;

  function upsert(record: JobRecord) {
    const i = jobs.value.findIndex((j) => j.id === record.id);
    if (i >= 0) jobs.value[i] = record;
    else jobs.value.unshift(record);
  }

  /** Asks main for every unfinished job and takes any whose state changed (missed events). */
  async function recoverMissed() {
    for (const job of active.value) {
      const fresh = await api()
        .invoke('jobs.get', { id: job.id })
        .catch(() => null);
      if (fresh && fresh.state !== job.state) upsert(fresh);
    }
  }

  async function load() {
    jobs.value = await api().invoke('jobs.list', {});
    if (subscribed) return;
    subscribed = true;
    checker = setInterval(() => void recoverMissed(), CHECK_EVERY_MS);
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

  /** Resolves with the final record of a job (for steps that wait on their own job). */
  function byId(id: string) {
    return computed(() => jobs.value.find((j) => j.id === id) ?? null);
  }

  /** Stops asking for missed ends (tests; the app checks for as long as it runs). */
  function stopChecking() {
    clearInterval(checker);
  }

  return { jobs, logs, active, load, start, cancel, byId, recoverMissed, stopChecking };
});
