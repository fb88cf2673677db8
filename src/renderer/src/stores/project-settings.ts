/**
 * The open project's settings.json (src/shared/project-settings.ts): the choices its steps make
 * (corpus folders, forgetting limit, which runs the steps show, the scores the plan uses), read
 * when the project opens and saved to the project folder on every change, so another browser,
 * a duplicate or `slayer run` sees them.
 */
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { api } from '../api';
import { defaultProjectSettings, patchProjectSettings, type ProjectSettings, type ProjectSettingsPatch } from '../../../shared/project-settings';
import { useAppStore } from './app';

export const useProjectSettingsStore = defineStore('project-settings', () => {
  const app = useAppStore();
  /** The open project's settings; the defaults until they are read (and when no project is open). */
  const settings = ref<ProjectSettings>(defaultProjectSettings());
  const loadedFor = ref<string | null>(null);
  let saving = Promise.resolve();

  watch(
    () => app.project?.id,
    async (id) => {
      loadedFor.value = null;
      settings.value = defaultProjectSettings();
      if (!id) return;
      const read = await api()
        .invoke('projects.settings', { id })
        .catch(() => defaultProjectSettings());
      if (app.project?.id !== id) return;
      settings.value = read;
      loadedFor.value = id;
    },
    { immediate: true },
  );

  /** Applies the change at once and saves it; saves run one after another so the file ends as the page does. */
  function update(patch: ProjectSettingsPatch): Promise<void> {
    const id = app.project?.id;
    if (!id) return Promise.resolve();
    settings.value = patchProjectSettings(settings.value, patch);
    saving = saving.then(async () => {
      await api()
        .invoke('projects.updateSettings', { id, patch })
        .catch(() => {
          // Not saved (the project was deleted, the disk is full): the page keeps the choice for now.
        });
    });
    return saving;
  }

  /** The job ids a step last started for `purpose`, or null. */
  const runs = (purpose: string): Record<string, string> | null => settings.value.steps.runs[purpose] ?? null;
  const rememberRuns = (purpose: string, jobs: Record<string, string>) => update({ steps: { runs: { ...settings.value.steps.runs, [purpose]: jobs } } });

  return { settings, loadedFor, update, runs, rememberRuns };
});
