/** The model folders used last (newest first), kept in the browser's storage so any project can reuse them. */
const KEY = 'slayer-recent-models';
export const RECENT_LIMIT = 8;

export function recentModels(): string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string').slice(0, RECENT_LIMIT) : [];
  } catch {
    // A damaged entry only costs the history, never the step.
    return [];
  }
}

/** Moves `dir` to the front (no repeats), keeps the newest RECENT_LIMIT, and returns the new list. */
export function rememberModel(dir: string): string[] {
  const list = [dir, ...recentModels().filter((p) => p !== dir)].slice(0, RECENT_LIMIT);
  localStorage.setItem(KEY, JSON.stringify(list));
  return list;
}
