import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Backend } from '../../../src/main/api/backend.js';
import { requireOpenablePath } from '../../../src/main/api/paths.js';
import { forkLauncher } from '../../../src/main/jobs/launcher.js';
import { tempDir } from '../../helpers/tmp.js';

describe('what "Open folder" may hand to the system', () => {
  let t: Awaited<ReturnType<typeof tempDir>>;
  let data: string;
  let project: string;
  let outside: string;

  beforeAll(async () => {
    t = await tempDir('slayer-open-');
    const root = await realpath(t.dir);
    data = join(root, 'home');
    project = join(data, 'projects', 'p-1');
    outside = join(root, 'elsewhere');
    await mkdir(join(project, 'models', 'trained'), { recursive: true });
    await mkdir(join(project, 'exports', 'Tool.app'), { recursive: true });
    await mkdir(join(project, 'exports', 'share.{20D04FE0-3AEA-1069-A2D8-08002B30309D}'), { recursive: true });
    await mkdir(outside, { recursive: true });
    await mkdir(`${data}-evil`, { recursive: true });
    await writeFile(join(project, 'report.html'), '<html></html>');
    await writeFile(join(project, 'report.json'), '{}');
    await writeFile(join(project, 'models', 'trained', 'model.safetensors'), 'x');
    await writeFile(join(project, 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(join(project, 'run.sh'), 0o755);
    await writeFile(join(outside, 'report.html'), '<html></html>');
    await writeFile(join(outside, 'tool.sh'), '#!/bin/sh\n');
    await symlink(outside, join(project, 'link-out'));
    await symlink(join(outside, 'tool.sh'), join(project, 'models', 'report.html'));
    await symlink(join(project, 'report.json'), join(project, 'models', 'report.json'));
  });
  afterAll(() => t.cleanup());

  const roots = () => [data, project];

  it('allows folders and report files inside the data folder or a project, and returns the resolved path', async () => {
    expect(await requireOpenablePath(data, roots())).toBe(data);
    expect(await requireOpenablePath(project, roots())).toBe(project);
    expect(await requireOpenablePath(join(project, 'models', 'trained'), roots())).toBe(join(project, 'models', 'trained'));
    expect(await requireOpenablePath(join(project, 'report.html'), roots())).toBe(join(project, 'report.html'));
    expect(await requireOpenablePath(join(project, 'report.json'), [data])).toBe(join(project, 'report.json'));
    // A link to a report inside is opened as the report it points to.
    expect(await requireOpenablePath(join(project, 'models', 'report.json'), roots())).toBe(join(project, 'report.json'));
    // Not normalised by the caller: "." and ".." are resolved before the check.
    expect(await requireOpenablePath(`${project}/models/../models/./trained`, roots())).toBe(join(project, 'models', 'trained'));
  });

  it('refuses any other file inside, above all programs and scripts', async () => {
    for (const file of [join(project, 'run.sh'), join(project, 'models', 'trained', 'model.safetensors')]) {
      await expect(requireOpenablePath(file, roots())).rejects.toThrow(/opens only folders and report files .* was not opened/);
    }
  });

  it('refuses folders the system would run: application bundles and shell-class folders', async () => {
    await expect(requireOpenablePath(join(project, 'exports', 'Tool.app'), roots())).rejects.toThrow(/never programs/);
    await expect(requireOpenablePath(join(project, 'exports', 'share.{20D04FE0-3AEA-1069-A2D8-08002B30309D}'), roots())).rejects.toThrow(/never programs/);
  });

  it('refuses folders and files outside, however the path gets there', async () => {
    const outsideLine = /is outside the data folder.*Open it from your file manager instead\.$/;
    for (const path of [
      outside,
      join(outside, 'report.html'),
      `${data}-evil`,
      join(project, '..', '..', '..', 'elsewhere'),
      join(project, 'link-out'),
      join(project, 'link-out', 'report.html'),
      join(project, 'models', 'report.html'),
      '/',
    ]) {
      await expect(requireOpenablePath(path, roots()), path).rejects.toThrow(outsideLine);
    }
  });

  it('says so when the path does not exist', async () => {
    await expect(requireOpenablePath(join(project, 'nope'), roots())).rejects.toThrow(/does not exist/);
  });

  it('app.openPath opens only what the policy allows, and hands over the resolved path', async () => {
    const opened: string[] = [];
    const home = join(t.dir, 'backend-home');
    const backend = await Backend.create({ home, mode: 'desktop', launcher: forkLauncher, openPath: async (p) => void opened.push(p) });
    try {
      const created = await backend.invoke('projects.create', { name: 'Open me', domain: 'code' });
      expect(created.ok).toBe(true);
      const dir = (created as { value: { dir: string } }).value.dir;
      await writeFile(join(dir, 'report.html'), '<html></html>');
      await writeFile(join(dir, 'launch.sh'), '#!/bin/sh\n');
      expect(await backend.invoke('app.openPath', { path: dir })).toEqual({ ok: true, value: { opened: true, path: await realpath(dir) } });
      expect((await backend.invoke('app.openPath', { path: join(dir, 'report.html') })).ok).toBe(true);
      const script = await backend.invoke('app.openPath', { path: join(dir, 'launch.sh') });
      expect(script).toEqual({ ok: false, error: expect.stringMatching(/never programs or other files/) });
      const elsewhere = await backend.invoke('app.openPath', { path: outside });
      expect(elsewhere).toEqual({ ok: false, error: expect.stringMatching(/outside the data folder/) });
      expect(opened).toEqual([await realpath(dir), await realpath(join(dir, 'report.html'))]);
    } finally {
      await backend.close();
    }
  });
});
