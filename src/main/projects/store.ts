/**
 * Knowledge-injection projects: one folder each under `<dataDir>/projects/<id>/` holding
 * project.json (settings), plan.json, artifacts/ and an append-only metrics.jsonl.
 */
import { appendFile, cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import type { Domain, Project } from '../../shared/api.js';
import { writeJsonAtomic, TEMP_PREFIX } from '../fs/atomic.js';

type StoredProject = Omit<Project, 'dir'>;

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
    await mkdir(join(dir, 'artifacts'), { recursive: true });
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
    // Settings and plan carry over; artifacts and metrics belong to the runs of the original.
    for (const file of ['plan.json']) {
      await cp(join(source.dir, file), join(copy.dir, file)).catch(() => {});
    }
    return this.update(copy.id, { modelDir: source.modelDir });
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
