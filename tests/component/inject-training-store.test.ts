/**
 * Live training metrics survive a reload: what arrived is written to the browser's storage and a
 * fresh page reads it back; long series are thinned, old jobs dropped, damaged storage ignored.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { thin, useTrainingStore } from '../../src/renderer/src/stores/training';

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
});

describe('training metrics store', () => {
  it('keeps what arrived across a reload', () => {
    const store = useTrainingStore();
    store.add({ id: 'j1', name: 'loss', step: 1, value: 5 });
    store.add({ id: 'j1', name: 'loss', step: 2, value: 4.5 });
    store.add({ id: 'j1', name: 'evalLoss/domain', step: 0, value: 6 });
    store.save();
    setActivePinia(createPinia());
    const reloaded = useTrainingStore();
    expect(reloaded.seen('j1')).toEqual({
      loss: [
        [1, 5],
        [2, 4.5],
      ],
      'evalLoss/domain': [[0, 6]],
    });
    expect(reloaded.latest('j1', 'loss')).toBe(4.5);
    expect(reloaded.latest('j1', 'lr')).toBeNull();
  });

  it('measures the pace of the steps it sees', () => {
    vi.useFakeTimers({ now: 1_000 });
    const store = useTrainingStore();
    store.add({ id: 'j1', name: 'loss', step: 4, value: 5 });
    vi.setSystemTime(7_000);
    store.add({ id: 'j1', name: 'loss', step: 7, value: 4 });
    expect(store.paceOf('j1')).toEqual({ firstStep: 4, firstAt: 1_000, lastStep: 7, lastAt: 7_000 });
    vi.useRealTimers();
  });

  it('halves long series keeping both ends, and keeps only the newest jobs', () => {
    expect(thin([1, 2, 3, 4, 5, 6])).toEqual([1, 3, 5, 6]);
    expect(thin([1, 2, 3, 4, 5])).toEqual([1, 3, 5]);
    const store = useTrainingStore();
    for (let step = 1; step <= 4001; step++) store.add({ id: 'long', name: 'loss', step, value: 1 });
    const points = store.seen('long')!.loss;
    expect(points.length).toBe(2001);
    expect(points[0][0]).toBe(1);
    expect(points.at(-1)![0]).toBe(4001);
    for (let j = 0; j < 14; j++) store.add({ id: `job-${j}`, name: 'loss', step: 1, value: 1 });
    store.save();
    setActivePinia(createPinia());
    const kept = useTrainingStore().jobIds();
    expect(kept).toHaveLength(12);
    expect(kept.at(-1)).toBe('job-13');
    expect(kept).not.toContain('long');
  });

  it('starts empty when the storage is damaged', () => {
    localStorage.setItem('slayer-train-metrics', '{not json');
    expect(useTrainingStore().jobIds()).toEqual([]);
  });
});
