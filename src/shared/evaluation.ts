/**
 * What evaluation reports: held-out perplexity, multiple-choice accuracy, generated text, and
 * benchmark tasks as `slayer eval --task` and the Evaluate step run them (src/main/evaluate/tasks):
 * the record formats, the metrics, the per-item results kept in every report so that two runs
 * can be compared item by item, and the catalogue of the sets bundled with the app.
 */
import type { ProviderName } from './compute.js';
import type { MemoryRecord } from './memory.js';

export interface Perplexity {
  meanNll: number;
  perplexity: number;
  /** Predicted tokens (each sequence's length minus one, summed). */
  tokens: number;
}

export interface MultipleChoiceResult {
  accuracy: number;
  accuracyNorm: number;
  items: number;
}

export interface Quality extends Perplexity {
  qa: MultipleChoiceResult | null;
}

/** Where and how an evaluation ran. */
export interface RunRecord {
  model: { dir: string; layers: number };
  provider: ProviderName;
  threads: number;
  /** How the weights were held, and the estimate the job planned with. */
  memory: MemoryRecord;
  seconds: number;
}

export interface EvaluateResult extends Quality, RunRecord {
  seqLen: number;
  /** Sequences evaluated. */
  samples: number;
  seed: number;
  dataHash: string;
  qaHash: string | null;
  /** One report per task, in the order asked; absent when no task was asked for. */
  tasks?: TaskReport[];
}

/** `slayer eval MODEL --task ...` without --data: the tasks alone. */
export interface TaskEvaluation extends RunRecord {
  tasks: TaskReport[];
}

export interface SamplingOptions {
  /** 0 = greedy. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 = no limit. */
  topK: number;
  /** Keep the most likely tokens up to this total probability; 1 = no limit. */
  topP: number;
}

export interface GenerateOptions extends SamplingOptions {
  maxTokens: number;
  seed: number;
}

export type StopReason = 'eos' | 'stop-text' | 'max-tokens' | 'context-full';

export interface GenerateResult extends GenerateOptions {
  prompt: string;
  /** The new text only, special tokens left out. */
  text: string;
  tokens: number[];
  promptTokens: number[];
  stopReason: StopReason;
  provider: ProviderName;
  /** How the weights were held, and the estimate the job planned with. */
  memory: MemoryRecord;
  seconds: number;
}

/** The record shapes lm-evaluation-harness tasks use (and this project's own QA lines), each with its prompt template. */
export const TASK_FORMATS = [
  'qa',
  'arc',
  'hellaswag',
  'mmlu',
  'winogrande',
  'truthfulqa-mc1',
  'truthfulqa-mc2',
  'gsm8k',
  'gsm8k-cot',
  'humaneval',
  'mbpp',
  'multipl-e',
] as const;
export type TaskFormat = (typeof TASK_FORMATS)[number];

/** How a task is scored: by the log-likelihood of fixed choices, by an extracted answer, or by running code. */
export type TaskKind = 'multiple-choice' | 'generate' | 'code';

export const METRIC_NAMES = ['acc', 'acc_norm', 'mc2', 'exact_match', 'exact_match_flexible', 'pass@1'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** In words, for tables: what each metric is. */
export const METRIC_WORDS: Record<MetricName, string> = {
  acc: 'accuracy',
  acc_norm: 'accuracy, length-normalised',
  mc2: 'MC2 (probability on true answers)',
  exact_match: 'exact match (strict extraction)',
  exact_match_flexible: 'exact match (flexible extraction)',
  'pass@1': 'pass@1 (tests passed)',
};

/**
 * Where the BOS token goes in front of every encoded text: as the tokenizer's configuration says
 * (lm-evaluation-harness 0.4.9.1 and later), always, or never (the harness's default up to 0.4.9).
 */
export const BOS_POLICIES = ['tokenizer', 'always', 'never'] as const;
export type BosPolicy = (typeof BOS_POLICIES)[number];

export type FewshotSampler = 'random' | 'first';

export type CodeLanguage = 'python' | 'javascript';

/** What happened to one program in the sandbox. Only "passed" counts for pass@1. */
export type SandboxStatus = 'passed' | 'failed' | 'timeout' | 'memory' | 'file-write' | 'network' | 'process' | 'output-limit';

export interface MetricValue {
  name: MetricName;
  /** The mean over items. */
  value: number;
  /** Standard error of the mean: sample standard deviation / sqrt(items); null for one item. */
  stderr: number | null;
}

export interface TaskItemResult {
  /** 0-based position among the task's items. */
  index: number;
  /** "file:line" of the record. */
  source: string;
  /** The record's own id (task_id, id, ...) when it has one. */
  id: string | null;
  /** Each metric's value for this item (1/0 for accuracy and exact match, a probability for mc2). */
  scores: Partial<Record<MetricName, number>>;
  /** Multiple choice: the right choice (index), the choice with the highest log-likelihood, and every choice's log-likelihood. */
  gold?: number;
  prediction?: number;
  logLikelihoods?: number[];
  /** Generation and code: what the model wrote (cut at the stop sequences). */
  output?: string;
  /** Generation: the answer each extraction found (strict, flexible) and the reference answer. */
  extracted?: { strict: string; flexible: string };
  reference?: string;
  /** Code: what the sandbox reported, and the tail of the program's error output. */
  status?: SandboxStatus;
  detail?: string;
}

export interface GenerationSettings {
  maxTokens: number;
  /** 0 = greedy (the default). */
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  /** Generation stops at the first of these texts (cut off) or at an end-of-text token. */
  until: string[];
}

export interface SandboxReport {
  language: CodeLanguage;
  /** The interpreter that ran the programs. */
  interpreter: string;
  timeoutSeconds: number;
  memoryMB: number;
  /** Each isolation measure that was in force, in words. */
  isolation: string[];
}

export interface TaskReport {
  name: string;
  /** The task file, or "bundled:NAME". */
  source: string;
  format: TaskFormat;
  kind: TaskKind;
  items: number;
  fewshot: { k: number; sampler: FewshotSampler; seed: number; from: string | null };
  bos: BosPolicy;
  metrics: MetricValue[];
  generation: GenerationSettings | null;
  sandbox: SandboxReport | null;
  /** Why the task was not run (e.g. no python3 on this machine); then metrics and results are empty. */
  notRun: string | null;
  /** "sha256:<hex>" over the task's records and settings. */
  dataHash: string;
  seconds: number;
  results: TaskItemResult[];
}

/** The bundled sets: `--task bundled:NAME` on the command line, a checkbox in the Evaluate step. */
export type BundledDomain = 'code' | 'math' | 'legal' | 'general';

export interface BundledTask {
  name: string;
  domain: BundledDomain;
  title: string;
  kind: TaskKind;
  /** The task file, relative to resources/eval. */
  file: string;
}

export const BUNDLED_TASKS: readonly BundledTask[] = [
  { name: 'code-cloze', domain: 'code', title: 'RxJS code cloze (ARC-style choices)', kind: 'multiple-choice', file: 'code/code-cloze.task.json' },
  { name: 'code-python', domain: 'code', title: 'Python functions (HumanEval-style, pass@1)', kind: 'code', file: 'code/code-python.task.json' },
  { name: 'code-js', domain: 'code', title: 'JavaScript functions (MultiPL-E-style, pass@1)', kind: 'code', file: 'code/code-js.task.json' },
  {
    name: 'math-choice',
    domain: 'math',
    title: 'Arithmetic and algebra (MMLU-style lettered options)',
    kind: 'multiple-choice',
    file: 'math/math-choice.task.json',
  },
  {
    name: 'math-worked',
    domain: 'math',
    title: 'Worked problems (GSM8K-style, "#### answer", few-shot)',
    kind: 'generate',
    file: 'math/math-worked.task.json',
  },
  { name: 'legal-cloze', domain: 'legal', title: 'Licence text cloze (ARC-style choices)', kind: 'multiple-choice', file: 'legal/legal-cloze.task.json' },
  {
    name: 'legal-licence',
    domain: 'legal',
    title: 'Which licence says this? (MMLU-style lettered options)',
    kind: 'multiple-choice',
    file: 'legal/legal-licence.task.json',
  },
  { name: 'general-cloze', domain: 'general', title: 'Moby-Dick cloze (ARC-style choices)', kind: 'multiple-choice', file: 'general/general-cloze.task.json' },
  {
    name: 'general-continuation',
    domain: 'general',
    title: 'Speech continuations (HellaSwag-style)',
    kind: 'multiple-choice',
    file: 'general/general-continuation.task.json',
  },
  {
    name: 'general-blank',
    domain: 'general',
    title: 'Fill the blank (WinoGrande-style partial scoring)',
    kind: 'multiple-choice',
    file: 'general/general-blank.task.json',
  },
  {
    name: 'general-presidents',
    domain: 'general',
    title: 'Who gave that address? (TruthfulQA-style MC2)',
    kind: 'multiple-choice',
    file: 'general/general-presidents.task.json',
  },
];

export const BUNDLED_PREFIX = 'bundled:';

export const BUNDLED_DOMAINS: readonly BundledDomain[] = ['code', 'math', 'legal', 'general'];
export const BUNDLED_DOMAINS_WORDS = BUNDLED_DOMAINS.map((d) => `${BUNDLED_PREFIX}${d}`).join(', ');

/** "bundled:code" names every set of a domain; "bundled:code-js" one set. */
export function bundledTaskNames(spec: string): string[] | null {
  if (!spec.startsWith(BUNDLED_PREFIX)) return null;
  const name = spec.slice(BUNDLED_PREFIX.length);
  const group = BUNDLED_TASKS.filter((t) => t.domain === name);
  if (group.length) return group.map((t) => t.name);
  return BUNDLED_TASKS.some((t) => t.name === name) ? [name] : [];
}

export interface ItemChange {
  index: number;
  source: string;
  id: string | null;
  before: number;
  after: number;
}

/**
 * Item by item, two runs of the same task (same items in the same order, e.g. the base and the
 * injected model): which items the metric found better and which worse.
 */
export function compareTaskItems(
  before: TaskReport,
  after: TaskReport,
  metric: MetricName,
): { better: ItemChange[]; worse: ItemChange[]; same: number } | null {
  if (before.dataHash !== after.dataHash || before.results.length !== after.results.length) return null;
  const better: ItemChange[] = [];
  const worse: ItemChange[] = [];
  let same = 0;
  before.results.forEach((b, i) => {
    const a = after.results[i];
    const x = b.scores[metric];
    const y = a.scores[metric];
    if (x === undefined || y === undefined) return;
    const change = { index: b.index, source: b.source, id: b.id, before: x, after: y };
    if (y > x) better.push(change);
    else if (y < x) worse.push(change);
    else same++;
  });
  return { better, worse, same };
}

/** The metric a task is judged by first: the one lm-evaluation-harness leaderboards quote. */
export function headlineMetric(report: TaskReport): MetricName | null {
  const names = report.metrics.map((m) => m.name);
  for (const n of ['acc_norm', 'mc2', 'exact_match', 'pass@1', 'acc'] as const) if (names.includes(n)) return n;
  return null;
}
