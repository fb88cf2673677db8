/**
 * projects.settings and projects.updateSettings as main answers them (src/main/projects/store.ts),
 * over settings.json files kept in memory, for component tests' fake APIs.
 */
import { defaultProjectSettings, patchProjectSettings, type ProjectSettings, type ProjectSettingsPatch } from '../../src/shared/project-settings.js';

export const NOT_SETTINGS = Symbol('not a settings method');

export class FakeProjectSettings {
  readonly files = new Map<string, ProjectSettings>();

  constructor(initial: Record<string, ProjectSettingsPatch> = {}) {
    for (const [id, patch] of Object.entries(initial)) this.files.set(id, patchProjectSettings(defaultProjectSettings(), patch));
  }

  get(id: string): ProjectSettings {
    return this.files.get(id) ?? defaultProjectSettings();
  }

  /** The answer to `method`, or NOT_SETTINGS when it is another method. */
  answer(method: string, request: unknown): ProjectSettings | typeof NOT_SETTINGS {
    const r = request as { id: string; patch?: ProjectSettingsPatch };
    if (method === 'projects.settings') return structuredClone(this.get(r.id));
    if (method === 'projects.updateSettings') {
      const next = patchProjectSettings(this.get(r.id), r.patch ?? {});
      this.files.set(r.id, next);
      return structuredClone(next);
    }
    return NOT_SETTINGS;
  }
}
