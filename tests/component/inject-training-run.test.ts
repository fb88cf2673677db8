/**
 * How the Inject step reads a training run from the job history: which jobs form the run, whether
 * it can be resumed (from what is saved on disk, whatever ended it), its curves from live metrics
 * or from the finished result, and the time left at the pace seen.
 */
import { describe, expect, it } from 'vitest';
import type { JobRecord, JobResults } from '../../src/shared/jobs';
import { checkpointSteps, remainingSeconds, runChain, runCurves, totalSteps, trainStatus, type MetricSeries } from '../../src/renderer/src/training-run';

const OUT = '/p/models/s-trained';

function train(id: string, createdAt: string, patch: Partial<JobRecord> = {}, params: Record<string, unknown> = {}): JobRecord {
  return {
    id,
    kind: 'train',
    projectId: 'p1',
    state: 'succeeded',
    createdAt,
    startedAt: createdAt,
    endedAt: createdAt,
    progress: null,
    error: null,
    errorDetail: null,
    result: null,
    params: { modelDir: '/p/models/s-expanded', out: OUT, resume: false, ...params },
    ...patch,
  } as JobRecord;
}

/** A finished run's result: only what the curves read is meaningful here. */
function result(losses: number[], settings: Partial<JobResults['train']['settings']>, evals: JobResults['train']['evals'] = []): JobResults['train'] {
  return {
    steps: losses.length,
    losses,
    tokensPerSecond: 100,
    trainableParameters: 10,
    memory: { mode: 'resident-f32', estimateBytes: 1e9, budgetBytes: 8e9, freeBytes: 1e10, forced: false },
    out: OUT,
    evals,
    resumedFrom: null,
    trainingSequences: 4,
    dataHash: 'sha256:x',
    settings: {
      steps: losses.length,
      seqLen: 32,
      batch: 2,
      gradAccum: 1,
      lr: 1e-3,
      warmup: 2,
      schedule: 'cosine',
      finalLrRatio: 0.1,
      weightDecay: 0.1,
      clip: 1,
      optimizer: 'adamw',
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      seed: 0,
      shuffle: true,
      split: 'train',
      ...settings,
    },
    trainableLayers: [2],
    trainGlobals: false,
    provider: 'cpu',
    threads: 2,
    seconds: 1,
  };
}

describe('checkpoints on disk', () => {
  it('reads the step of each complete checkpoint folder, newest first, and ignores anything else', () => {
    expect(checkpointSteps(['step-00000005', 'step-00000120', '.tmp-step-00000130', 'step-12', 'notes', 'step-00000040'])).toEqual([120, 40, 5]);
    expect(checkpointSteps([])).toEqual([]);
  });
});

describe('train status', () => {
  it('is none without a job, active while it runs or waits, done when it succeeded', () => {
    expect(trainStatus(null, [], null)).toEqual({ kind: 'none' });
    for (const state of ['running', 'queued'] as const) expect(trainStatus(train('a', '2026-01-01T10:00:00Z', { state }), [], null).kind).toBe('active');
    const done = train('a', '2026-01-01T10:00:00Z', { result: result([3, 2], {}) });
    expect(trainStatus(done, [2], null)).toMatchObject({ kind: 'done', result: { losses: [3, 2] } });
  });

  it('offers the newest checkpoint after a stop, an interrupted app or a crash alike', () => {
    for (const patch of [
      { state: 'cancelled' as const, error: 'Training stopped after step 7 of 20; saved …' },
      { state: 'failed' as const, error: 'The app was closed or stopped while this job was running.' },
      { state: 'failed' as const, error: 'The compute process ran out of memory or was stopped by the system.' },
    ]) {
      const status = trainStatus(train('a', '2026-01-01T10:00:00Z', patch), [7, 5], '2026-01-01T09:00:00Z');
      expect(status).toMatchObject({ kind: 'stopped', savedStep: 7 });
    }
    // Stopped before the first step finished: nothing saved, nothing to resume.
    expect(trainStatus(train('a', '2026-01-01T10:00:00Z', { state: 'cancelled' }), [], null)).toMatchObject({ kind: 'stopped', savedStep: null });
  });

  it('does not offer a checkpoint of an expanded model that was rebuilt after the run started', () => {
    const stopped = train('a', '2026-01-01T10:00:00Z', { state: 'cancelled' });
    expect(trainStatus(stopped, [7], '2026-01-01T11:00:00Z')).toMatchObject({ kind: 'stopped', savedStep: null });
  });
});

describe("the pipeline's train-s stage", () => {
  const stage = (finishedAt: string) => ({ name: 'train-s', inputsHash: 'h', output: result([3, 2], {}), artifacts: [], seconds: 60, finishedAt });

  it('is the run when no job of the step ended after it', () => {
    const done = stage('2026-01-01T12:00:00Z');
    expect(trainStatus(null, [], null, done)).toEqual({ kind: 'done', job: null, result: done.output, stage: done });
    const older = train('t1', '2026-01-01T11:00:00Z', { state: 'cancelled', endedAt: '2026-01-01T11:30:00Z' });
    expect(trainStatus(older, [4], null, done).kind).toBe('done');
  });

  it('gives way to a job of the step that runs, waits, or ended after it', () => {
    const done = stage('2026-01-01T12:00:00Z');
    const running = train('t2', '2026-01-01T11:00:00Z', { state: 'running', endedAt: null });
    expect(trainStatus(running, [], null, done).kind).toBe('active');
    const queued = train('t3', '2026-01-01T13:00:00Z', { state: 'queued', startedAt: null, endedAt: null });
    expect(trainStatus(queued, [], null, done).kind).toBe('active');
    const later = train('t4', '2026-01-01T11:59:00Z', { state: 'cancelled', endedAt: '2026-01-01T12:00:01Z' });
    expect(trainStatus(later, [9], null, done)).toMatchObject({ kind: 'stopped', savedStep: 9 });
  });
});

describe('run chain', () => {
  it('is the newest job into the folder and the jobs it resumed, oldest first', () => {
    const jobs = [
      train('c', '2026-01-01T12:00:00Z', { state: 'running' }, { resume: true }),
      train('other', '2026-01-01T11:30:00Z', {}, { out: '/p/models/elsewhere' }),
      train('b', '2026-01-01T11:00:00Z', { state: 'failed' }, { resume: true }),
      train('a', '2026-01-01T10:00:00Z', { state: 'cancelled' }),
      train('old', '2026-01-01T09:00:00Z'),
    ];
    expect(runChain(jobs, OUT).map((j) => j.id)).toEqual(['a', 'b', 'c']);
    // A fresh start is a run of its own.
    expect(runChain([train('new', '2026-01-02T00:00:00Z'), ...jobs], OUT).map((j) => j.id)).toEqual(['new']);
    expect(runChain(jobs, '/nowhere')).toEqual([]);
  });
});

describe('run curves', () => {
  it('merges the live metrics of the chain, a resumed job replacing the steps it repeats', () => {
    const seen: Record<string, MetricSeries> = {
      a: {
        loss: [
          [1, 5],
          [2, 4.5],
          [3, 4.4],
        ],
        lr: [
          [1, 1e-4],
          [2, 2e-4],
          [3, 3e-4],
        ],
        'evalLoss/domain': [[0, 6]],
        gradNorm: [[1, 1]],
      },
      b: {
        loss: [
          [3, 4.3],
          [4, 4.1],
        ],
        lr: [
          [3, 3e-4],
          [4, 4e-4],
        ],
        'evalLoss/domain': [[4, 5.5]],
        'evalLoss/general': [[4, 5.9]],
      },
    };
    const chain = [train('a', '2026-01-01T10:00:00Z', { state: 'cancelled' }), train('b', '2026-01-01T11:00:00Z', { state: 'running' }, { resume: true })];
    const curves = runCurves(chain, (id) => seen[id]);
    expect(curves.loss).toEqual([
      [1, 5],
      [2, 4.5],
      [3, 4.3],
      [4, 4.1],
    ]);
    expect(curves.lr.map(([s]) => s)).toEqual([1, 2, 3, 4]);
    expect(curves.evals).toEqual({
      domain: [
        [0, 6],
        [4, 5.5],
      ],
      general: [[4, 5.9]],
    });
    expect(runCurves(chain, () => undefined)).toEqual({ loss: [], lr: [], evals: {} });
  });

  it('takes a finished run from its result, with the learning rate of its schedule at every step', () => {
    const losses = [5, 4.8, 4.6, 4.5, 4.45, 4.4];
    const evals = [
      { step: 0, name: 'domain', loss: 5.2, perplexity: Math.exp(5.2), targets: 62 },
      { step: 0, name: 'general', loss: 5.3, perplexity: Math.exp(5.3), targets: 62 },
      { step: 6, name: 'domain', loss: 4.5, perplexity: Math.exp(4.5), targets: 62 },
    ];
    const done = train(
      'b',
      '2026-01-01T11:00:00Z',
      { result: result(losses, { lr: 1e-3, warmup: 2, schedule: 'cosine', finalLrRatio: 0.1 }, evals) },
      { resume: true },
    );
    const curves = runCurves([train('a', '2026-01-01T10:00:00Z', { state: 'cancelled' }), done], () => ({ loss: [[1, 99]] }));
    expect(curves.loss).toEqual(losses.map((l, i) => [i + 1, l]));
    expect(curves.evals).toEqual({
      domain: [
        [0, 5.2],
        [6, 4.5],
      ],
      general: [[0, 5.3]],
    });
    // Warmup lr = peak (s+1)/(W+1) for 0-based step s < W; then cosine from the peak towards a tenth of it over the remaining 4 steps.
    const peak = 1e-3;
    const floor = 0.1 * peak;
    const expected = [peak / 3, (2 * peak) / 3, ...[0, 1, 2, 3].map((k) => floor + ((peak - floor) * (1 + Math.cos((Math.PI * k) / 4))) / 2)];
    curves.lr.forEach(([step, lr], i) => {
      expect(step).toBe(i + 1);
      expect(lr).toBeCloseTo(expected[i], 12);
    });
  });
});

describe('time left', () => {
  it('extrapolates the pace of the steps seen so far', () => {
    // Steps 10 -> 30 took 40 s: 2 s a step, 70 steps left.
    expect(remainingSeconds({ firstStep: 10, firstAt: 1_000, lastStep: 30, lastAt: 41_000 }, 100)).toBeCloseTo(140, 9);
    expect(remainingSeconds({ firstStep: 10, firstAt: 1_000, lastStep: 10, lastAt: 1_000 }, 100)).toBeNull();
    expect(remainingSeconds(undefined, 100)).toBeNull();
    expect(remainingSeconds({ firstStep: 1, firstAt: 0, lastStep: 120, lastAt: 1_000 }, 100)).toBe(0);
  });

  it('knows the total steps from the job, or from the progress fraction for one pass', () => {
    expect(totalSteps(train('a', '', { state: 'running' }, { steps: 50 }), 10)).toBe(50);
    expect(totalSteps(train('a', '', { state: 'running', progress: { fraction: 0.25, message: '' } }), 30)).toBe(120);
    expect(totalSteps(train('a', '', { state: 'running' }), 0)).toBeNull();
  });
});
