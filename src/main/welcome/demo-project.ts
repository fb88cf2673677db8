/**
 * "Try it with the demo": a project on the bundled demo model with the field's documents and the
 * general text already chosen in its settings.json, at the demo's sequence length and seed, so the
 * Analyze step (and `slayer run` on the project) can start at once. The same for the app
 * (projects.createDemo) and the command line (`slayer demo --project-only`).
 */
import type { Domain, Project } from '../../shared/api.js';
import type { ProjectSettings } from '../../shared/project-settings.js';
import type { ProjectStore } from '../projects/store.js';
import { DEMO_SETTINGS, demoOptions } from '../pipeline/demo.js';

export const DEMO_PROJECT_NAMES: Record<Domain, string> = {
  code: 'Demo: code knowledge',
  math: 'Demo: math knowledge',
  legal: 'Demo: legal knowledge',
};

export interface DemoProject {
  project: Project;
  settings: ProjectSettings;
}

export async function createDemoProject(store: ProjectStore, domain: Domain): Promise<DemoProject> {
  // demoOptions checks that the demo model is installed before anything is written (its output folder is not used here).
  const demo = demoOptions(domain, '');
  if (typeof demo.data !== 'string') throw new Error('The demo documents are one folder.');
  const data = demo.data;
  const created = await store.create(DEMO_PROJECT_NAMES[domain], domain);
  try {
    const project = await store.update(created.id, { modelDir: demo.model });
    const settings = await store.updateSettings(created.id, {
      corpus: { data, general: demo.general ?? null, seqLen: DEMO_SETTINGS.seqLen, seed: DEMO_SETTINGS.seed },
    });
    return { project, settings };
  } catch (e) {
    await store.delete(created.id);
    throw e;
  }
}
