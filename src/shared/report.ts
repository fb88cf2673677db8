/**
 * The run report (report.json): what `slayer run` / `npm run demo` produce and the Evaluate
 * step shows and exports. Every number carries the settings that reproduce it.
 */
import type { LayerScores, PlanCounts, PlanStrategy, PruneBy } from './plan.js';
import type { TaskReport } from './evaluation.js';
import type { CorpusMixture } from './mixture.js';
import type { LayerUpdate, LoraSettings } from './training.js';
import type { RunSpread } from './report-variance.js';

export const REPORT_VERSION = 1;

export interface PerplexityResult {
  meanNll: number;
  perplexity: number;
  tokens: number;
  seqLen: number;
  dataHash: string;
}

export interface QaResult {
  accuracy: number;
  accuracyNorm: number;
  items: number;
  qaHash: string;
}

/** One model measured on the domain and the general (forgetting) side. */
export interface Measurement {
  domain: PerplexityResult;
  general: PerplexityResult;
  domainQa: QaResult | null;
  generalQa: QaResult | null;
  /** Benchmark tasks with every item's result (domain tasks first), when tasks were asked for. */
  tasks?: TaskReport[];
  /** A corpus of several sources: the held-out perplexity of each domain on its own (the first is `domain`). */
  domains?: { name: string; perplexity: PerplexityResult }[];
}

export interface TrainingSummary {
  steps: number;
  losses: number[];
  tokensPerSecond: number;
  trainableParameters: number;
  seconds: number;
}

/** What a run trained: a plan's layers, or LoRA adapters on the unchanged model. */
export type RunStrategy = PlanStrategy | 'lora';

/** The LoRA baseline's settings, and how its size compares with the S run's trainable parameters. */
export interface LoraRunSettings extends LoraSettings {
  /** The S run's trainable parameters the rank was chosen to match. */
  budgetParameters: number;
  /** The adapters hold that many trainable values to within one unit of rank (false when the rank was capped, or chosen by hand). */
  budgetMatched: boolean;
}

/** The same training with another seed (--seeds N > 1): data order and start from seed base+k. */
export interface SeedRun {
  seed: number;
  training: TrainingSummary;
  after: Measurement;
  modelDir: string;
}

/** The S strategy or a baseline, trained the same way on the same data. */
export interface StrategyRun {
  strategy: RunStrategy;
  label: string;
  counts: PlanCounts;
  trainableLayers: number[];
  removedLayers: number[];
  /** How the removed layers were chosen (S: a prune rule; baselines delete nothing). */
  pruneBy?: PruneBy;
  /** The plan's notes: why these layers, how the refreshed layer started. */
  planNotes?: string[];
  /** The built model before training: what the surgery cost. */
  built?: Measurement;
  /** The plan only added identity blocks, so the built model computes the base model (checked) and `built` is its measurement. */
  builtIsBase?: boolean;
  training: TrainingSummary;
  after: Measurement;
  modelDir: string;
  /** How much each trained layer changed (LoRA: with the adapters' effective ranks). */
  updates?: LayerUpdate[];
  lora?: LoraRunSettings;
  /** The runs with the further seeds (base+1, base+2, ...) when the pipeline trained each strategy several times. */
  seedRuns?: SeedRun[];
  /** Mean ± standard deviation over every seed (this run's, then seedRuns'), when there are several. */
  spread?: RunSpread;
}

export interface ExportRecord {
  format: 'hf' | 'gguf' | 'llamafactory' | 'axolotl';
  path: string;
  bytes: number;
  /** How it was read back, in words (e.g. "GGUF read back: 75 tensors, 1.2 M values equal"). */
  check: string;
}

export interface RunReport {
  version: typeof REPORT_VERSION;
  createdAt: string;
  domain: 'code' | 'math' | 'legal';
  model: { dir: string; architecture: string; layers: number; parameters: number; sourceHash: string };
  data: {
    domain: string;
    general: string;
    domainQa: string | null;
    generalQa: string | null;
    seqLen: number;
    seed: number;
    /** How many times each strategy was trained (seeds seed, seed+1, ...), when more than once. */
    seeds?: number;
    /** Several domain sources mixed by weight, and the general replay share. */
    mixture?: CorpusMixture | null;
  };
  scores: { domain: LayerScores; general: LayerScores | null };
  before: Measurement;
  /** The S run first, then the baselines. */
  runs: StrategyRun[];
  /** Seconds per pipeline stage, by stage name (as first computed, for stages reused on a rerun). */
  timings: Record<string, number>;
  /** Stages a rerun took over unchanged from an earlier run. */
  reused: string[];
  /** What the S model was exported to, and how each export was checked by reading it back. */
  exports: ExportRecord[];
  /** Plain-language findings (domain gain, forgetting warnings), shown at the top of the report. */
  findings: string[];
}
