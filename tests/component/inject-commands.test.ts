/**
 * The Inject step's settings become 'train' job parameters and the equivalent `slayer apply` and
 * `slayer train` command lines; Resume repeats a run's own settings; and the curve options draw
 * exactly the points given, with named axes.
 */
import { describe, expect, it } from 'vitest';
import { applyCommand, trainCommand } from '../../src/renderer/src/inject-command';
import { defaultForm, formOf, injectPlaces, onePassSteps, resumeParams, trainParams } from '../../src/renderer/src/train-settings';
import { compareLossOption, learningRateOption, lossOption, smoothed } from '../../src/renderer/src/training-charts';
import { DEFAULTS } from '../../src/main/train/options';
import type { Project } from '../../src/shared/api';
import type { RunCurves } from '../../src/renderer/src/training-run';

const project: Project = { id: 'p1', name: 'Helpers', domain: 'code', createdAt: '', updatedAt: '', modelDir: '/m/base', dir: '/data/projects/helpers' };
const places = injectPlaces(project);

describe('training settings', () => {
  it('start from the trainer defaults and fill in a new run on the expanded model', () => {
    const form = defaultForm(128);
    expect(form).toMatchObject({
      steps: null,
      warmup: null,
      seqLen: 128,
      lr: DEFAULTS.lr,
      batch: DEFAULTS.batch,
      schedule: DEFAULTS.schedule,
      optimizer: DEFAULTS.optimizer,
    });
    const params = trainParams({ ...form, steps: 300 }, places, false);
    expect(params).toMatchObject({
      modelDir: '/data/projects/helpers/models/s-expanded',
      data: '/data/projects/helpers/corpus',
      out: '/data/projects/helpers/models/s-trained',
      evalData: ['/data/projects/helpers/corpus'],
      trainable: 'auto',
      steps: 300,
      resume: false,
      overwrite: false,
    });
    // Unset steps and warmup are left to the trainer (one pass; 5 % of the steps).
    expect('steps' in trainParams(form, places, true)).toBe(false);
    expect('warmup' in params).toBe(false);
    expect(trainParams(form, places, true).overwrite).toBe(true);
  });

  it('read an earlier run back into the form, keeping defaults for what it did not set', () => {
    const form = formOf({ steps: 40, lr: 3e-4, modelDir: '/x', resume: true }, defaultForm(64));
    expect(form).toEqual({ ...defaultForm(64), steps: 40, lr: 3e-4 });
  });

  it('count one pass in optimizer steps', () => {
    expect(onePassSteps(100, { batch: 8, gradAccum: 1 })).toBe(13);
    expect(onePassSteps(100, { batch: 4, gradAccum: 5 })).toBe(5);
    expect(onePassSteps(3, { batch: 8, gradAccum: 2 })).toBe(1);
  });

  it('resume a run with exactly its settings, leaving threads and provider to the current settings', () => {
    const run = { ...trainParams({ ...defaultForm(32), steps: 50 }, places, true), threads: 2, provider: 'cpu' as const };
    const again = resumeParams(run);
    expect(again).toEqual({ ...trainParams({ ...defaultForm(32), steps: 50 }, places, true), resume: true, overwrite: false });
  });
});

describe('command lines', () => {
  it('apply the saved plan file, forcing over an existing folder', () => {
    const apply = { modelDir: '/m/base', plan: {}, out: places.expanded, overwrite: true };
    expect(applyCommand(places.plan, apply)).toBe(
      'slayer apply /data/projects/helpers/plan.json --model /m/base --out /data/projects/helpers/models/s-expanded --force',
    );
    expect(applyCommand('/my plans/plan.json', { ...apply, overwrite: false })).toBe(
      "slayer apply '/my plans/plan.json' --model /m/base --out /data/projects/helpers/models/s-expanded",
    );
  });

  it('train with every setting the form sends, and resume with --resume', () => {
    const params = trainParams(
      { ...defaultForm(32), steps: 12, batch: 2, warmup: 1, schedule: 'linear', clip: 0, evalEvery: 4, checkpointEvery: 6 },
      places,
      false,
    );
    expect(trainCommand(params)).toBe(
      // Settings at the schema's defaults (grad-accum 1, lr 1e-4, weight decay 0.1, adamw, seed 0) are left out.
      'slayer train /data/projects/helpers/models/s-expanded --data /data/projects/helpers/corpus --out /data/projects/helpers/models/s-trained ' +
        '--steps 12 --seq-len 32 --batch 2 --warmup 1 --schedule linear --clip 0 --eval-data /data/projects/helpers/corpus --eval-every 4 --checkpoint-every 6',
    );
    expect(trainCommand(resumeParams(params)).endsWith('--checkpoint-every 6 --resume')).toBe(true);
    expect(trainCommand(trainParams(defaultForm(32), places, true)).endsWith(' --force')).toBe(true);
    expect(trainCommand({ ...params, trainable: [2, 5], shuffle: false })).toContain('--trainable 2,5 --no-shuffle');
  });
});

describe('curve options', () => {
  const curves: RunCurves = {
    loss: [
      [1, 5.123456],
      [2, 4.9],
      [3, 4.7],
    ],
    lr: [
      [1, 5e-5],
      [2, 1e-4],
      [3, 9e-5],
    ],
    evals: {
      domain: [
        [0, 5.5],
        [3, 4.8],
      ],
      general: [[0, 5.6]],
      'my-notes': [[3, 5]],
    },
  };
  type Line = { name: string; data: [number, number][] };
  type Chart = { xAxis: { name: string; max?: number }; yAxis: { name: string }; series: Line[] };

  it('draw the training loss and each held-out set with their own names, on named axes', () => {
    const o = lossOption(curves, 12) as unknown as Chart;
    expect(o.xAxis.name).toBe('optimizer step');
    expect(o.xAxis.max).toBe(12);
    expect(o.yAxis.name).toContain('nats per token');
    expect(o.series.map((s) => s.name)).toEqual(['training loss', 'held-out: your documents', 'held-out: general text', 'held-out: my-notes']);
    expect(o.series[0].data).toEqual([
      [1, 5.1235],
      [2, 4.9],
      [3, 4.7],
    ]);
    expect(o.series[1].data).toEqual([
      [0, 5.5],
      [3, 4.8],
    ]);
    expect((lossOption(curves, null) as unknown as Chart).xAxis.max).toBeUndefined();
  });

  it('smooth a long loss curve with the start-up bias removed, and keep the raw steps behind it', () => {
    const loss: [number, number][] = Array.from({ length: 30 }, (_, i) => [i + 1, 5 + (i % 2 ? 0.5 : -0.5) - i * 0.01]);
    // Debiased EMA, written out: the weighted mean of the steps so far, weights w^(t-k) (1 - w).
    const w = 0.9;
    const expected = loss.map(([step], t) => {
      let num = 0;
      let den = 0;
      for (let k = 0; k <= t; k++) {
        num += w ** (t - k) * loss[k][1];
        den += w ** (t - k);
      }
      return [step, num / den];
    });
    smoothed(loss).forEach(([step, v], i) => {
      expect(step).toBe(expected[i][0]);
      expect(v).toBeCloseTo(expected[i][1], 12);
    });
    // A constant loss stays put from the first step (no pull towards zero).
    expect(
      smoothed([
        [1, 3],
        [2, 3],
        [3, 3],
      ]).map(([, v]) => v),
    ).toEqual([3, 3, 3].map((x) => expect.closeTo(x, 12)));
    const o = lossOption({ loss, lr: [], evals: {} }, 30) as unknown as Chart;
    expect(o.series.map((s) => s.name)).toEqual(['training loss (smoothed)', 'training loss, each step']);
    expect(o.series[1].data).toEqual(loss.map(([s, v]) => [s, Number(v.toFixed(4))]));
    expect(o.series[0].data[29][1]).toBeCloseTo(expected[29][1], 4);
  });

  it('draw the learning rate as given and overlay runs for comparison', () => {
    const lr = learningRateOption(curves, 3) as unknown as Chart;
    expect(lr.yAxis.name).toContain('learning rate');
    expect(lr.series[0].data).toEqual(curves.lr);
    const both = compareLossOption([
      { label: 'Run A', loss: curves.loss },
      {
        label: 'Run B',
        loss: [
          [1, 6],
          [2, 5],
          [3, 4],
          [4, 3],
        ],
      },
    ]) as unknown as Chart;
    expect(both.series.map((s) => s.name)).toEqual(['Run A', 'Run B']);
    expect(both.xAxis.max).toBe(4);
    expect(both.series[1].data).toEqual([
      [1, 6],
      [2, 5],
      [3, 4],
      [4, 3],
    ]);
  });
});
