/**
 * Learning-rate schedules with linear warmup, per optimizer step s = 0, 1, ..., total-1:
 *   warmup (s < W):   lr = peak (s + 1) / (W + 1)       (as nanoGPT: no wasted step at lr 0)
 *   then, with p = (s - W) / (total - W) going from 0 towards 1 and floor = finalRatio * peak:
 *     constant        lr = peak
 *     linear          lr = peak - (peak - floor) p
 *     cosine          lr = floor + (peak - floor) (1 + cos(pi p)) / 2
 * finalRatio 0.1 follows the Llama recipe (decay to a tenth of the peak); 0 decays to zero as
 * Hugging Face's schedulers do.
 */
export const SCHEDULES = ['constant', 'linear', 'cosine'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface ScheduleSettings {
  schedule: Schedule;
  peak: number;
  warmupSteps: number;
  totalSteps: number;
  finalRatio: number;
}

export function learningRate(s: ScheduleSettings, step: number): number {
  if (step < s.warmupSteps) return (s.peak * (step + 1)) / (s.warmupSteps + 1);
  const floor = s.finalRatio * s.peak;
  const progress = (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps);
  switch (s.schedule) {
    case 'constant':
      return s.peak;
    case 'linear':
      return s.peak - (s.peak - floor) * progress;
    case 'cosine':
      return floor + ((s.peak - floor) * (1 + Math.cos(Math.PI * progress))) / 2;
  }
}
