/** `slayer eval MODEL [--data DATA] [--qa QA] [--task FILE|bundled:NAME ...]`: perplexity, multiple-choice accuracy, benchmark tasks. */
import { BUNDLED_DOMAINS_WORDS, METRIC_WORDS, type TaskReport } from '../../shared/evaluation.js';
import { UserError } from '../../shared/errors.js';
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { evalSchema } from '../../shared/commands/eval.js';
import { evaluateModel, evaluateTasks, type EvaluateResult, type TaskEvaluation } from '../../main/evaluate/index.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';
import { DATA_DETAILS, ENGINE_DETAILS } from '../run-flags.js';

const USAGE = 'slayer eval MODEL [--data DATA] [--qa QA] [--task FILE|bundled:NAME ...] [options] [--json]';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

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
  options: parseArgsOptions(evalSchema),
  optionHelp: helpLines(evalSchema),
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const { modelDir, data, ...options } = parseFlags(evalSchema, values, { modelDir: model }, USAGE);
    const settings = { ...options, provider: options.provider ?? 'auto' };
    if (data === undefined) {
      if (!options.tasks?.length) throw new UserError(`Give text to measure (--data) or tasks to run (--task), or both. Usage: ${USAGE}`);
      if (options.qa !== undefined)
        throw new UserError(`--qa is scored with the perplexity data: give --data too, or run the questions as a task (--task QA.jsonl).`);
      return evaluateTasks(modelDir, settings, ctx);
    }
    return evaluateModel(modelDir, { ...settings, data }, ctx);
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
