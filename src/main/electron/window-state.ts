/** Remembers the window's size, position and maximised state between launches. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserWindow, Rectangle } from 'electron';
import { writeJsonAtomic } from '../fs/atomic.js';

export interface WindowState {
  bounds: Partial<Rectangle> & { width: number; height: number };
  maximized: boolean;
}

const DEFAULT: WindowState = { bounds: { width: 1280, height: 840 }, maximized: false };

export function loadWindowState(home: string): WindowState {
  try {
    const saved = JSON.parse(readFileSync(join(home, 'window-state.json'), 'utf8')) as WindowState;
    if (saved.bounds.width >= 640 && saved.bounds.height >= 480) return saved;
  } catch {
    // First launch: defaults.
  }
  return DEFAULT;
}

export function trackWindowState(home: string, win: BrowserWindow): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (win.isDestroyed()) return;
      const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
      void writeJsonAtomic(join(home, 'window-state.json'), state);
    }, 400);
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(e as 'resize', save);
}
