/** App-wide state: environment info, settings, the open project and the wizard's current step. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo, Domain, Project, Settings } from '../../../shared/api';
import { api } from '../api';
import { steps, type StepId } from '../steps';

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const settings = ref<Settings | null>(null);
  const projects = ref<Project[]>([]);
  const project = ref<Project | null>(null);
  const step = ref<StepId>(steps[0].id);

  async function load() {
    const [i, s, listed] = await Promise.all([api().invoke('app.info', {}), api().invoke('settings.get', {}), api().invoke('projects.list', {})]);
    [info.value, settings.value] = [i, s];
    // A project created or opened while the list was read (a click on the Welcome screen) stays listed and open.
    const createdMeanwhile = projects.value.filter((p) => !listed.some((x) => x.id === p.id));
    projects.value = [...createdMeanwhile, ...listed];
    if (project.value) return;
    const lastId = localStorage.getItem('slayer-project');
    project.value = projects.value.find((p) => p.id === lastId) ?? projects.value[0] ?? null;
  }

  function open(p: Project | null) {
    project.value = p;
    if (p) localStorage.setItem('slayer-project', p.id);
  }

  async function createProject(name: string, domain: Domain) {
    const p = await api().invoke('projects.create', { name, domain });
    projects.value.unshift(p);
    open(p);
    return p;
  }

  /** "Try it with the demo": main creates the project on the bundled demo model; it opens on the Analyze step. */
  async function createDemo(domain: Domain = 'code') {
    const { project: p } = await api().invoke('projects.createDemo', { domain });
    projects.value.unshift(p);
    open(p);
    step.value = 'analyze';
    return p;
  }

  async function updateProject(patch: { name?: string; domain?: Domain; modelDir?: string | null }) {
    if (!project.value) return;
    const p = await api().invoke('projects.update', { id: project.value.id, ...patch });
    project.value = p;
    projects.value = projects.value.map((x) => (x.id === p.id ? p : x));
  }

  async function duplicateProject(id: string) {
    const p = await api().invoke('projects.duplicate', { id });
    projects.value.unshift(p);
    open(p);
  }

  async function deleteProject(id: string) {
    await api().invoke('projects.delete', { id });
    projects.value = projects.value.filter((p) => p.id !== id);
    if (project.value?.id === id) open(projects.value[0] ?? null);
  }

  async function updateSettings(patch: Partial<Settings>) {
    settings.value = await api().invoke('settings.update', patch);
    if (patch.dataDir) {
      // Another data folder: its own projects.
      [projects.value, project.value] = [[], null];
      await load();
    }
  }

  return { info, settings, projects, project, step, load, open, createProject, createDemo, updateProject, duplicateProject, deleteProject, updateSettings };
});
