/**
 * The pipeline's stages as the wizard and `slayer run` both see them: their names, which wizard
 * step shows each, and the state of each as its record on disk says (stages/<name>.json).
 * One stage list, computed in main (src/main/pipeline/status.ts) from the project folder.
 */
import { z } from 'zod';
import type { ScoreResult } from './analysis.js';
import type { CorpusMixture } from './mixture.js';
import type { Plan } from './plan.js';
import type { ExportRecord, Measurement, RunReport } from './report.js';
import type { ApplyResult } from './surgery.js';
import type { TrainResult } from './training.js';

export const BASELINES = ['llama-pro', 'last-k', 'full', 'lora'] as const;
export type Baseline = (typeof BASELINES)[number];
/** What the pipeline trains besides S unless told otherwise (full fine-tuning and LoRA on request). */
export const DEFAULT_BASELINES = ['llama-pro', 'last-k'] as const;

/** The wizard steps that show pipeline stages. */
export type StageStep = 'corpus' | 'analyze' | 'plan' | 'inject' | 'evaluate' | 'export';

/**
 * done: its record's inputs match and (when verified) its files still have their checksums — it will be reused.
 * stale: a record is on disk but its inputs or files changed, or an earlier stage must run first.
 * to-do: never ran in this project folder.
 */
export type StageState = 'done' | 'stale' | 'to-do';

export interface StageStatus {
  name: string;
  /** Plain words for the stage ("Training S (SLayer)"). */
  label: string;
  step: StageStep;
  state: StageState;
  /** Seconds the stage took when it last ran (from its record), null when it never ran. */
  seconds: number | null;
  finishedAt: string | null;
}

export interface PipelineStatus {
  /** Null when the project can run its stages; else one line saying what to choose first. */
  missing: string | null;
  stages: StageStatus[];
}

/** A stage's name as a request may give it (also the file name of its record). */
export const stageName = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be a stage name');

/** One stage's record on disk, stages/<name>.json. */
export interface StageRecord<T> {
  name: string;
  /** Hash of everything the stage was computed from (settings and the records it depends on). */
  inputsHash: string;
  output: T;
  /**
   * Files and folders the stage produced, relative to the project folder: content hash, and the
   * sizes and modification times of their files hashed (a match spares re-reading the content).
   */
  artifacts: { path: string; sha256: string; fingerprint?: string }[];
  seconds: number;
  finishedAt: string;
}

/** What the corpus stage records: counts, warnings, and the mixture when there are several sources. */
export interface CorpusStageOutput {
  documents: number;
  tokens: number;
  warnings: string[];
  mixture?: CorpusMixture | null;
}

/** What a stage records as its output, by the stage's name. */
export type StageOutput<N extends string> = N extends 'model'
  ? { dir: string }
  : N extends 'corpus'
    ? CorpusStageOutput
    : N extends `score-${string}`
      ? ScoreResult
      : N extends `evaluate-${string}`
        ? Measurement
        : N extends `plan-${string}`
          ? Plan
          : N extends `apply-${string}`
            ? ApplyResult
            : N extends `train-${string}`
              ? TrainResult
              : N extends 'export'
                ? ExportRecord[]
                : N extends 'report'
                  ? RunReport
                  : unknown;

/** The 'pipeline' job's result: which stages ran, which were reused, and the report when the run reached it. */
export interface PipelineJobResult {
  until: string | null;
  ran: string[];
  reused: string[];
  report: string | null;
}

/** The stage each wizard step runs up to when it starts "its" stages (the stages before run first when not done). */
export const STEP_TARGET: Record<StageStep, string> = {
  corpus: 'corpus',
  analyze: 'score-general',
  plan: 'plan-s',
  inject: 'train-s',
  evaluate: 'report',
  export: 'report',
};

/**
 * Which step shows a stage: the S strategy's own stages go to their steps; the baselines, every
 * evaluation and the report are the Evaluate step's comparison; the exports the Export step's.
 */
export function stepOfStage(name: string): StageStep {
  if (name === 'model' || name === 'corpus') return 'corpus';
  if (name.startsWith('score-')) return 'analyze';
  if (name === 'export') return 'export';
  if (name === 'plan-s') return 'plan';
  if (name === 'apply-s' || name === 'evaluate-built-s' || name === 'train-s') return 'inject';
  return 'evaluate';
}

/** Each strategy the pipeline trains, in words. */
export const STRATEGY_LABELS: Record<string, string> = {
  s: 'S (SLayer)',
  'llama-pro': 'LLaMA Pro',
  'last-k': 'last-k',
  full: 'full fine-tuning',
  lora: 'LoRA',
};

/** The plain-words name of a stage. */
export function stageLabel(name: string): string {
  const fixed: Record<string, string> = {
    model: 'Reading the model',
    corpus: 'Building the corpus',
    'score-domain': 'Scoring layers on your documents',
    'score-general': 'Scoring layers on general text',
    'evaluate-base': 'Measuring the base model',
    export: 'Exporting the S model',
    report: 'Writing the report',
  };
  if (fixed[name]) return fixed[name];
  const seed = /^(.+)-seed(\d+)$/.exec(name);
  if (seed) return `${stageLabel(seed[1])} (seed +${seed[2]})`;
  const m = /^(plan|apply|evaluate-built|train|evaluate)-(.+)$/.exec(name);
  if (!m) return name;
  const who = STRATEGY_LABELS[m[2]] ?? m[2];
  const verb: Record<string, string> = {
    plan: `Planning ${who}`,
    apply: `Building the ${who} model`,
    'evaluate-built': `Measuring the ${who} model before training`,
    train: `Training ${who}`,
    evaluate: `Measuring the trained ${who} model`,
  };
  return verb[m[1]];
}
