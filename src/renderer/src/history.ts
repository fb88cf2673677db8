/**
 * The run history in words and numbers: what each job was, its key result, two training runs'
 * settings side by side, and the plan a run trained next to the saved plan. Everything is read
 * from the job records (the plan a run trained is the plan of the 'apply' job that built its
 * model just before it).
 */
import { isJobKind, jobResult, jobsOfKind, type JobKind, type JobRecord } from '../../shared/jobs';
import type { Plan } from '../../shared/plan';
import { DEFAULTS, type RunSettings } from '../../shared/training';
import { formatCount } from './format';
import { layoutOf } from './plan-edit';

export const KIND_WORDS: Record<JobKind, string> = {
  pipeline: 'Pipeline stages',
  'hash-folder': 'Fingerprint',
  corpus: 'Build corpus',
  score: 'Measure layers',
  probe: 'Layer probe',
  apply: 'Build expanded model',
  train: 'Train',
  eval: 'Evaluate',
  'instruct-eval': 'Evaluate instructions',
  generate: 'Generate',
  export: 'Export',
};

/** Milliseconds the job ran (to now while it runs), or null before it started. */
export function jobDuration(job: JobRecord, now = Date.now()): number | null {
  if (!job.startedAt) return null;
  return (job.endedAt ? Date.parse(job.endedAt) : now) - Date.parse(job.startedAt);
}

const fixed = (x: number, digits: number) => x.toFixed(digits);
const percent = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The job's key numbers in one line: what a person looks for in the history. Empty when it has no result. */
export function jobNumbers(job: JobRecord): string {
  if (job.state !== 'succeeded' || job.result === null) return '';
  switch (job.kind) {
    case 'train': {
      const r = job.result;
      const loss = r.losses.at(-1);
      return [
        loss === undefined ? null : `final loss ${fixed(loss, 4)}`,
        `${r.steps} steps`,
        `${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s`,
        r.resumedFrom === null ? null : `resumed from step ${r.resumedFrom}`,
      ]
        .filter(Boolean)
        .join(' · ');
    }
    case 'pipeline': {
      const r = job.result;
      return `${r.ran.length} stages run · ${r.reused.length} reused${r.report ? ' · report written' : ''}`;
    }
    case 'eval': {
      const r = job.result;
      const qa = r.qa ? ` · QA accuracy ${percent(r.qa.accuracy)}` : '';
      return `perplexity ${fixed(r.perplexity, 2)} on ${job.params.split ?? 'the data'}${qa}`;
    }
    case 'corpus': {
      const r = job.result;
      return `${r.documents.toLocaleString('en-US')} documents · ${formatCount(r.split.train.tokens)} training tokens`;
    }
    case 'score': {
      const r = job.result;
      return `${r.layers.length} layers on ${r.samples} samples`;
    }
    case 'probe': {
      const r = job.result;
      return `${r.kind} probe · baseline perplexity ${fixed(r.baseline.perplexity, 2)}`;
    }
    case 'apply': {
      const r = job.result;
      const check = r.functionCheck.checked ? (r.functionCheck.passed ? 'outputs unchanged' : 'outputs differ') : 'not checked';
      return `${r.layers} layers · ${formatCount(r.parameters)} parameters · ${check}`;
    }
    case 'export': {
      const r = job.result;
      return `${r.format}${r.dtype ? ` ${r.dtype}` : ''} · ${r.files.length} files`;
    }
    case 'instruct-eval': {
      const r = job.result;
      return `response perplexity ${fixed(r.perplexity, 2)} on ${r.examples} examples`;
    }
    case 'generate': {
      const r = job.result;
      return `${r.tokens.length} tokens`;
    }
    case 'hash-folder': {
      const r = job.result;
      return `${r.files.length} files`;
    }
  }
}

export interface CompareRow {
  label: string;
  /** null: not known, shown as `missing` (an unfinished run's default that depends on its data, a plan not found). */
  values: (string | null)[];
  missing: string;
  /** Two known values differ. */
  differs: boolean;
}

function row(label: string, values: (string | null)[], missing = '—'): CompareRow {
  const known = values.filter((v) => v !== null);
  return { label, values, missing, differs: known.some((v) => v !== known[0]) };
}

/**
 * What a run used for a setting its job left out: the trainer's default, where it is fixed. Steps,
 * warmup and sequence length have defaults that depend on the data and the model.
 */
const FIXED_DEFAULTS: Partial<Record<keyof RunSettings, string | number | boolean>> = {
  batch: DEFAULTS.batch,
  gradAccum: DEFAULTS.gradAccum,
  lr: DEFAULTS.lr,
  schedule: DEFAULTS.schedule,
  finalLrRatio: DEFAULTS.finalLrRatio,
  weightDecay: DEFAULTS.weightDecay,
  clip: DEFAULTS.clip,
  optimizer: DEFAULTS.optimizer,
  seed: DEFAULTS.seed,
  shuffle: true,
  split: 'train',
};

const SETTING_WORDS: [keyof RunSettings, string][] = [
  ['steps', 'Steps'],
  ['seqLen', 'Sequence length'],
  ['batch', 'Batch'],
  ['gradAccum', 'Gradient accumulation'],
  ['lr', 'Learning rate'],
  ['warmup', 'Warmup steps'],
  ['schedule', 'Schedule'],
  ['finalLrRatio', 'Final learning rate (share of peak)'],
  ['weightDecay', 'Weight decay'],
  ['clip', 'Gradient clipping'],
  ['optimizer', 'Optimizer'],
  ['seed', 'Seed'],
  ['shuffle', 'Shuffled'],
  ['split', 'Trained on'],
];

/**
 * Training runs' settings side by side. A finished run reports every setting it used; an
 * unfinished one what its job set and the trainer's fixed defaults.
 */
export function settingsRows(runs: readonly JobRecord[]): CompareRow[] {
  const result = (job: JobRecord) => jobResult(job, 'train');
  const settingOf = (job: JobRecord, key: keyof RunSettings): string | null => {
    const params: Record<string, unknown> = job.params;
    const value = result(job)?.settings[key] ?? params[key] ?? FIXED_DEFAULTS[key];
    return value === undefined ? null : String(value);
  };
  const trained = (job: JobRecord) => {
    const r = result(job);
    if (r) return r.trainGlobals ? 'all' : r.trainableLayers.join(', ');
    const asked = isJobKind(job, 'train') ? job.params.trainable : undefined;
    return Array.isArray(asked) ? asked.join(', ') : asked === 'all' ? 'all' : null;
  };
  return [
    ...SETTING_WORDS.map(([key, label]) =>
      row(
        label,
        runs.map((j) => settingOf(j, key)),
        'default',
      ),
    ),
    row('Trained layers', runs.map(trained), "the plan's"),
    row(
      'Final loss',
      runs.map((j) => result(j)?.losses.at(-1)?.toFixed(4) ?? null),
    ),
    row(
      'Tokens per second',
      runs.map((j) => (result(j) ? Math.round(result(j)!.tokensPerSecond).toLocaleString('en-US') : null)),
    ),
    row(
      'Data hash',
      runs.map(
        (j) =>
          result(j)
            ?.dataHash.replace(/^sha256:/, '')
            .slice(0, 12) ?? null,
      ),
    ),
  ];
}

/**
 * The plan a training run trained: that of the newest successful 'apply' job into the run's
 * model folder that ended before the run was started. Null for a model built elsewhere.
 */
export function trainedPlan(run: JobRecord, jobs: readonly JobRecord[]): Plan | null {
  const modelDir = 'modelDir' in run.params ? run.params.modelDir : null;
  const built = jobsOfKind(jobs, 'apply').find((j) => j.state === 'succeeded' && j.params.out === modelDir && (j.endedAt ?? '') <= run.createdAt);
  return (built?.params.plan as Plan | undefined) ?? null;
}

/** Plans side by side, layer by layer in words; a plan not found shows as "unknown". */
export function planRows(plans: readonly (Plan | null)[]): CompareRow[] {
  const planRow = (label: string, f: (p: Plan) => string) =>
    row(
      label,
      plans.map((p) => (p ? f(p) : null)),
      'unknown',
    );
  const list = (xs: number[]) => (xs.length ? xs.join(', ') : 'none');
  return [
    planRow('Strategy', (p) => p.strategy),
    planRow('Layers', (p) => `${p.base.layers} → ${p.counts.layers}`),
    planRow('New blocks after layers', (p) => list(layoutOf(p).expand.map((e) => e.after))),
    planRow('Removed layers', (p) => list(p.removed)),
    planRow('Trained layers', (p) => list(p.layers.filter((l) => l.trainable).map((l) => l.index))),
    planRow('Trainable parameters', (p) => formatCount(p.counts.trainableParameters)),
    planRow('Parameters', (p) => formatCount(p.counts.parameters)),
  ];
}
