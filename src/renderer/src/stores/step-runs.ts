/**
 * The jobs a step started last, per project and purpose ("evaluate", "generate", "export"), kept
 * in the browser's storage: the step shows their results again after navigating away or a reload,
 * read from the job history rather than copied.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';

const KEY = 'slayer-step-runs';

/** Names of the jobs in one run (e.g. base-domain, injected-general) -> job id. */
export type RunJobs = Record<string, string>;

function readRuns(): Record<string, RunJobs> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, RunJobs>) : {};
  } catch {
    // A damaged entry only costs the shown results; the jobs themselves stay in the history.
    return {};
  }
}

export const useStepRunsStore = defineStore('step-runs', () => {
  const runs = ref<Record<string, RunJobs>>(readRuns());
  const key = (projectId: string, purpose: string) => `${projectId}:${purpose}`;

  function get(projectId: string, purpose: string): RunJobs | null {
    return runs.value[key(projectId, purpose)] ?? null;
  }

  function remember(projectId: string, purpose: string, jobs: RunJobs) {
    runs.value = { ...runs.value, [key(projectId, purpose)]: jobs };
    localStorage.setItem(KEY, JSON.stringify(runs.value));
  }

  return { get, remember };
});
