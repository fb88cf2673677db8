/**
 * User settings (data folder, threads, execution provider, memory limits), kept in `<home>/settings.json`.
 * `home` is the app's user-data folder in the desktop app, and SLAYER_HOME or
 * ~/.config/slayer-studio under plain Node.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../shared/api.js';
import { providers } from '../shared/api.js';
import { writeJsonAtomic } from './fs/atomic.js';

export function defaultHome(): string {
  return process.env.SLAYER_HOME ?? join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'slayer-studio');
}

export function defaultSettings(home: string): Settings {
  return { dataDir: home, threads: availableParallelism(), provider: 'auto', memoryLimitBytes: null, gpuMemoryBytes: null };
}

export class SettingsStore {
  private constructor(
    private readonly file: string,
    private current: Settings,
  ) {}

  static async open(home: string): Promise<SettingsStore> {
    const file = join(home, 'settings.json');
    const settings = defaultSettings(home);
    try {
      const saved = JSON.parse(await readFile(file, 'utf8')) as Partial<Settings>;
      if (typeof saved.dataDir === 'string' && saved.dataDir) settings.dataDir = saved.dataDir;
      if (Number.isInteger(saved.threads) && (saved.threads as number) > 0) settings.threads = saved.threads as number;
      if (providers.includes(saved.provider as never)) settings.provider = saved.provider as Settings['provider'];
      if (typeof saved.memoryLimitBytes === 'number' && saved.memoryLimitBytes > 0) settings.memoryLimitBytes = saved.memoryLimitBytes;
      if (typeof saved.gpuMemoryBytes === 'number' && saved.gpuMemoryBytes > 0) settings.gpuMemoryBytes = saved.gpuMemoryBytes;
    } catch {
      // First launch or an unreadable file: start from defaults; the next save repairs it.
    }
    return new SettingsStore(file, settings);
  }

  get(): Settings {
    return { ...this.current };
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    const next = { ...this.current };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
    await writeJsonAtomic(this.file, next);
    this.current = next;
    return this.get();
  }
}
