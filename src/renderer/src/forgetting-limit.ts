/** The forgetting limit each project uses (default 5 %), kept in the browser's storage. */
import { DEFAULT_FORGETTING_THRESHOLD } from '../../shared/report-findings';

const KEY = 'slayer-forgetting-limit';

function readLimits(): Record<string, number> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** The project's limit as a share (0.05 = 5 %). */
export function forgettingLimit(projectId: string): number {
  const v = readLimits()[projectId];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : DEFAULT_FORGETTING_THRESHOLD;
}

export function setForgettingLimit(projectId: string, share: number): void {
  if (!(Number.isFinite(share) && share > 0)) return;
  localStorage.setItem(KEY, JSON.stringify({ ...readLimits(), [projectId]: share }));
}
