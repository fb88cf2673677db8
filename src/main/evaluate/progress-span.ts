/**
 * One stage of a longer task: the stage reports its own progress from 0 to 1, the person sees
 * it as the stretch from..to of the whole task (under the stage's label, when given).
 */
import type { TaskControl } from '../../shared/progress.js';

export function progressSpan(control: TaskControl, from: number, to: number, label?: string): TaskControl {
  return {
    ...control,
    onProgress: (p) =>
      control.onProgress?.({
        fraction: p.fraction === null ? null : from + (to - from) * p.fraction,
        message: label ? `${label}: ${p.message}` : p.message,
      }),
  };
}
