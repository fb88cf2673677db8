/** Learning-rate schedules against their formulas, evaluated independently here. */
import { describe, expect, it } from 'vitest';
import { learningRate, type Schedule } from '../../../src/shared/schedules.js';

const peak = 3e-4;
const settings = (schedule: Schedule, warmupSteps = 10, finalRatio = 0.1) => ({ schedule, peak, warmupSteps, totalSteps: 110, finalRatio });

describe('learning-rate schedules', () => {
  it('warm up linearly to the peak without a step at zero, for every schedule', () => {
    for (const schedule of ['constant', 'linear', 'cosine'] as const) {
      const lrs = Array.from({ length: 10 }, (_, s) => learningRate(settings(schedule), s));
      lrs.forEach((lr, s) => expect(lr).toBeCloseTo((peak * (s + 1)) / 11, 15));
      expect(learningRate(settings(schedule), 10)).toBeCloseTo(peak, 15);
    }
  });

  it('constant stays at the peak', () => {
    for (const s of [10, 50, 109]) expect(learningRate(settings('constant'), s)).toBe(peak);
  });

  it('linear falls by equal amounts to the floor', () => {
    const floor = 0.1 * peak;
    expect(learningRate(settings('linear'), 60)).toBeCloseTo((peak + floor) / 2, 15);
    const drops = [20, 30, 40].map((s) => learningRate(settings('linear'), s) - learningRate(settings('linear'), s + 10));
    drops.forEach((d) => expect(d).toBeCloseTo((peak - floor) / 10, 15));
    expect(learningRate(settings('linear'), 110)).toBeCloseTo(floor, 15);
  });

  it('cosine follows half a cosine from the peak to the floor (zero with finalRatio 0)', () => {
    const floor = 0.1 * peak;
    expect(learningRate(settings('cosine'), 60)).toBeCloseTo((peak + floor) / 2, 15);
    expect(learningRate(settings('cosine'), 35)).toBeCloseTo(floor + (peak - floor) * Math.cos(Math.PI / 8) ** 2, 15);
    expect(learningRate(settings('cosine', 10, 0), 110)).toBeCloseTo(0, 15);
    expect(learningRate(settings('cosine', 0), 0)).toBeCloseTo(peak, 15);
  });
});
