/**
 * Knowledge-injection projects: one folder each under `<dataDir>/projects/<id>/` holding
 * project.json (name, field, model), settings.json (the choices the wizard and `slayer run`
 * share), plan.json, an append-only metrics.jsonl, and what the pipeline's stages write
 * (src/shared/project-layout.ts).
 */
import { appendFile, cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import type { Domain, Project } from '../../shared/api.js';
import {
  defaultProjectSettings,
  patchProjectSettings,
  projectSettingsSchema,
  type ProjectSettings,
  type ProjectSettingsPatch,
} from '../../shared/project-settings.js';
import { PLAN_FILE, PROJECT_FILE, SETTINGS_FILE } from '../../shared/project-layout.js';
import { writeJsonAtomic, TEMP_PREFIX } from '../fs/atomic.js';

export type StoredProject = Omit<Project, 'dir'>;

/** A project folder's project.json (name, field, model), or null when the folder is not a project. */
export async function readProjectIn(dir: string): Promise<StoredProject | null> {
  try {
    return JSON.parse(await readFile(join(dir, PROJECT_FILE), 'utf8')) as StoredProject;
  } catch {
    return null;
  }
}

/** A project folder's settings.json, with defaults for what it does not say; a damaged file reads as the defaults. */
export async function readSettingsIn(dir: string): Promise<ProjectSettings> {
  const text = await readFile(join(dir, SETTINGS_FILE), 'utf8').catch(() => null);
  if (text === null) return defaultProjectSettings();
  try {
    const parsed = projectSettingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : defaultProjectSettings();
  } catch {
    return defaultProjectSettings();
  }
}

function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'project';
}

export class ProjectStore {
  constructor(private readonly root: string) {}

  private dirOf(id: string): string {
    return join(this.root, id);
  }

  async list(): Promise<Project[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const projects: Project[] = [];
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      const p = await this.read(name).catch(() => null);
      if (p) projects.push(p);
    }
    return projects.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  private async read(id: string): Promise<Project> {
    const dir = this.dirOf(id);
    const stored = JSON.parse(await readFile(join(dir, 'project.json'), 'utf8')) as StoredProject;
    return { ...stored, id, dir };
  }

  async get(id: string): Promise<Project> {
    try {
      return await this.read(id);
    } catch {
      throw new UserError(`There is no project "${id}". It may have been deleted; pick another from the project list.`);
    }
  }

  async create(name: string, domain: Domain): Promise<Project> {
    const id = `${slugify(name)}-${randomBytes(3).toString('hex')}`;
    const now = new Date().toISOString();
    const stored: StoredProject = { id, name: name.trim(), domain, createdAt: now, updatedAt: now, modelDir: null };
    const dir = this.dirOf(id);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, 'project.json'), stored);
    return { ...stored, dir };
  }

  async update(id: string, patch: Partial<Pick<Project, 'name' | 'domain' | 'modelDir'>>): Promise<Project> {
    const current = await this.get(id);
    const { dir: _dir, ...stored } = current;
    const next: StoredProject = { ...stored, updatedAt: new Date().toISOString() };
    if (patch.name !== undefined) next.name = patch.name.trim();
    if (patch.domain !== undefined) next.domain = patch.domain;
    if (patch.modelDir !== undefined) next.modelDir = patch.modelDir;
    await writeJsonAtomic(join(current.dir, 'project.json'), next);
    return { ...next, dir: current.dir };
  }

  async duplicate(id: string): Promise<Project> {
    const source = await this.get(id);
    const copy = await this.create(`${source.name} (copy)`, source.domain);
    // Choices and plan carry over; what the original's runs made (and the jobs the steps show) stay with it.
    await cp(join(source.dir, PLAN_FILE), join(copy.dir, PLAN_FILE)).catch(() => {});
    const settings = await this.readSettings(id);
    await this.writeSettings(copy.id, { ...settings, steps: defaultProjectSettings().steps });
    return this.update(copy.id, { modelDir: source.modelDir });
  }

  /** settings.json, with defaults for what it does not say; a damaged file reads as the defaults (the next change repairs it). */
  async readSettings(id: string): Promise<ProjectSettings> {
    return readSettingsIn((await this.get(id)).dir);
  }

  async updateSettings(id: string, patch: ProjectSettingsPatch): Promise<ProjectSettings> {
    const next = patchProjectSettings(await this.readSettings(id), patch);
    await this.writeSettings(id, next);
    return next;
  }

  private async writeSettings(id: string, settings: ProjectSettings): Promise<void> {
    await writeJsonAtomic(join(this.dirOf(id), SETTINGS_FILE), settings);
  }

  async delete(id: string): Promise<void> {
    const project = await this.get(id);
    await rm(project.dir, { recursive: true, force: true });
  }

  /** One JSON object per line; appends are atomic for lines under the pipe buffer size. */
  async appendMetric(id: string, record: Record<string, unknown>): Promise<void> {
    const project = await this.get(id);
    await appendFile(join(project.dir, 'metrics.jsonl'), `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  }

  async readMetrics(id: string): Promise<Record<string, unknown>[]> {
    const project = await this.get(id);
    let text: string;
    try {
      text = await readFile(join(project.dir, 'metrics.jsonl'), 'utf8');
    } catch {
      return [];
    }
    // A crash mid-append can leave a torn last line: skip what does not parse.
    return text
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => {
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      });
  }
}
