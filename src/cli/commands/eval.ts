/** `slayer eval MODEL [--data DATA] [--qa QA] [--task FILE|bundled:NAME ...]`: perplexity, multiple-choice accuracy, benchmark tasks. */
import { BOS_POLICIES, BUNDLED_DOMAINS_WORDS, METRIC_WORDS, type TaskReport } from '../../shared/evaluation.js';
import { UserError } from '../../shared/errors.js';
import { evaluateModel, evaluateTasks, EVAL_SEQ_LEN, type EvaluateResult, type TaskEvaluation, type TaskSelection } from '../../main/evaluate/index.js';
import { BAD_LINE_POLICIES } from '../../main/data/index.js';
import type { Command } from '../command.js';
import { choiceFlag, numberFlag, requirePositional, stringFlag } from '../args.js';
import { DATA_DETAILS, DATA_FLAGS, dataOptions, ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer eval MODEL [--data DATA] [--seq-len ${EVAL_SEQ_LEN}] [--qa QA] [--task FILE|bundled:NAME ...] [--fewshot K] [--limit N] [--bos tokenizer|always|never] [--samples N] [--seed 0] [--split S] ${ENGINE_USAGE} [--json]`;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

type Values = Record<string, string | boolean | string[] | undefined>;

function taskSelection(values: Values): TaskSelection {
  const raw = values.task;
  const tasks = raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
  return {
    tasks,
    fewshot: values.fewshot === undefined ? undefined : numberFlag(values, 'fewshot', 0, { min: 0, max: 256, integer: true }),
    limit: values.limit === undefined ? undefined : numberFlag(values, 'limit', 1, { min: 1, integer: true }),
    bos: values.bos === undefined ? undefined : choiceFlag(values, 'bos', BOS_POLICIES, 'tokenizer'),
    badLines: choiceFlag(values, 'bad-lines', BAD_LINE_POLICIES, 'stop'),
  };
}

/** One line per task and metric: value ± standard error, items, and why a task did not run. */
export function formatTaskReports(reports: readonly TaskReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    const head = `Task ${r.name} (${r.source}, ${r.format}, ${r.items} items, ${r.fewshot.k}-shot)`;
    if (r.notRun) {
      lines.push(`${head}: not run. ${r.notRun}`);
      continue;
    }
    lines.push(head);
    for (const m of r.metrics) lines.push(`  ${m.name.padEnd(22)} ${pct(m.value)}${m.stderr === null ? '' : ` ± ${pct(m.stderr)}`}  ${METRIC_WORDS[m.name]}`);
    if (r.generation)
      lines.push(
        `  generation: ${r.generation.temperature === 0 ? 'greedy' : `temperature ${r.generation.temperature}, seed ${r.generation.seed}`}, at most ${r.generation.maxTokens} tokens`,
      );
  }
  return lines;
}

export const evalCommand: Command<EvaluateResult | TaskEvaluation> = {
  usage: USAGE,
  details: [
    'Perplexity = exp(mean negative log-likelihood of every predicted token of DATA); all sequences unless --samples.',
    'QA: .jsonl lines {"question": "...", "choices": ["...", "..."], "answer": 0}. Each choice is scored by the sum of its',
    '  token log-probabilities after "Question: ...\\nAnswer:" (lm-evaluation-harness); accuracyNorm divides by the choice\'s characters.',
    '--task: a task file (.json), a JSONL file of benchmark records (ARC, HellaSwag, MMLU, WinoGrande, TruthfulQA, GSM8K, HumanEval,',
    `  MBPP, MultiPL-E; recognised by their fields) or a bundled set (${BUNDLED_DOMAINS_WORDS}, or bundled:NAME). Repeat it or give a comma list.`,
    '  Prompts, few-shot examples (seeded as lm-evaluation-harness does), acc / acc_norm / mc2 / exact match / pass@1 follow the harness;',
    "  --json keeps every item's result. Code runs in a sandbox (time and memory limits, no network, no file writes). See docs/evaluation.md.",
    "--fewshot K: examples for every task (default: each task's own). --limit N: the first N items of every task.",
    '--bos: BOS before every text as the tokenizer says (default), always, or never (lm-evaluation-harness up to 0.4.9).',
    'Without --data, only the tasks run.',
    ...DATA_DETAILS,
    ...ENGINE_DETAILS,
  ],
  options: {
    qa: { type: 'string' },
    task: { type: 'string', multiple: true },
    fewshot: { type: 'string' },
    limit: { type: 'string' },
    bos: { type: 'string' },
    ...DATA_FLAGS,
    ...ENGINE_FLAGS,
  },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const selection = taskSelection(values);
    if (stringFlag(values, 'data') === undefined) {
      if (!selection.tasks?.length) throw new UserError(`Give text to measure (--data) or tasks to run (--task), or both. Usage: ${USAGE}`);
      if (stringFlag(values, 'qa') !== undefined)
        throw new UserError(`--qa is scored with the perplexity data: give --data too, or run the questions as a task (--task QA.jsonl).`);
      return evaluateTasks(model, { ...selection, ...engineSettings(values) }, ctx);
    }
    return evaluateModel(model, { ...dataOptions(values, USAGE), qa: stringFlag(values, 'qa'), ...selection, ...engineSettings(values) }, ctx);
  },
  format(r) {
    const lines: string[] = [];
    if ('perplexity' in r) {
      lines.push(`Perplexity   ${r.perplexity.toFixed(4)} (mean NLL ${r.meanNll.toFixed(4)} over ${r.tokens.toLocaleString('en-US')} tokens)`);
      if (r.qa) lines.push(`QA accuracy  ${pct(r.qa.accuracy)} (length-normalised ${pct(r.qa.accuracyNorm)}) on ${r.qa.items} questions`);
      lines.push(`Data         ${r.samples} sequences of ${r.seqLen} tokens (seed ${r.seed}), ${r.dataHash}`);
      if (r.qaHash) lines.push(`Questions    ${r.qaHash}`);
    }
    if (r.tasks) lines.push(...formatTaskReports(r.tasks));
    return lines.join('\n');
  },
};
