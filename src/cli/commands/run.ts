/** `slayer run`: score -> plan (S) -> apply -> train -> evaluate before/after -> report, resumable. */
import { resolve } from 'node:path';
import { flagFields, helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { runSchema, type RunFlags } from '../../shared/commands/run.js';
import type { SourceSpec } from '../../shared/commands/train.js';
import { runPipeline, type RunOptions, type RunResult } from '../../main/pipeline/run.js';
import { projectRunOptions, recordRunOptions } from '../../main/pipeline/project-options.js';
import { readProjectIn } from '../../main/projects/store.js';
import { DOMAINS, type Domain } from '../../main/data/index.js';
import { UserError } from '../../shared/errors.js';
import type { Command } from '../command.js';
import { formatRunResult } from '../format-run.js';

const USAGE =
  'slayer run --out PROJECT [options] (a project folder the app made or an earlier run wrote: its settings, any flag overriding) | slayer run --model MODEL --data [NAME=]DATA[:WEIGHT] [--data ...] --domain code|math|legal --general DATA --out PROJECT [options] [--json]';

export const runCommand: Command<RunResult> = {
  usage: USAGE,
  details: [
    'PROJECT holds project.json (model, field) and settings.json (corpus, pipeline settings): on a project the app made, or one an',
    '  earlier run wrote, --out PROJECT alone finishes what was started; flags given override the saved settings for this run.',
    'Every stage writes into PROJECT with checksums; running the same command again reuses every stage whose inputs did not change.',
    '--general: general text for the forgetting check. --qa / --general-qa: multiple-choice JSONL sets for domain and general.',
    '--task / --general-task (repeatable): benchmark tasks asked of every model, as slayer eval --task reads them (bundled:NAME too).',
    '--baselines: also train these the same way, for a side-by-side comparison (default llama-pro,last-k; "none" to skip):',
    '  llama-pro, last-k, full (full fine-tuning: every tensor), lora (LoRA adapters on q_proj and v_proj of every block, at the',
    "  rank whose adapters train as many values as the S run, capped at the weights' own rank; --lora-rank R to choose).",
    '--data [NAME=]DATA[:WEIGHT] (repeatable): several domain sources mixed by weight (e.g. code=docs/code:0.6 math=docs/math:0.4);',
    '  each is evaluated on its own. --replay SHARE: that share of every training step is --general text (e.g. 0.05).',
    '--seeds N: train every strategy N times (seed, seed+1, ...); the report gives mean ± standard deviation and calls a difference',
    '  real only when the difference of the means exceeds the sum of the standard deviations. Seed 0 keeps the names of a single run.',
    "--prune: how the S plan chooses the deep layers it deletes (default deepest, the paper's rule; scores and gromov read the",
    '  layer scores this run measures). The built model is evaluated before training too, so the report shows what the surgery cost.',
  ],
  options: parseArgsOptions(runSchema),
  optionHelp: helpLines(runSchema),
  async run(_positionals, values, ctx) {
    const flags = parseFlags(runSchema, values, {}, USAGE);
    const out = resolve(flags.out);
    const saved = flags.model === undefined ? await projectRunOptions(out) : null;
    const base = saved?.options ?? null;
    if (saved && saved.missing !== null && (await readProjectIn(out))) throw new UserError(`${saved.missing} Or give the flags: ${USAGE}`);
    // A flag given overrides the project's setting; one not given keeps it (or, without a project, takes its default).
    const flagOf = Object.fromEntries(flagFields(runSchema).map((f) => [f.key, f.info.flag]));
    const given = (key: keyof RunFlags) => values[flagOf[key]] !== undefined;
    const pick = <K extends keyof RunFlags, V>(key: K, saved: V): RunFlags[K] | V => (base && !given(key) ? saved : flags[key]);
    const required = <T>(value: T | undefined, flag: string): T => {
      if (value === undefined) throw new UserError(`Missing --${flag}. Usage: ${USAGE}`);
      return value;
    };
    const options: RunOptions = {
      ...base,
      model: required(pick('model', base?.model), 'model'),
      data: base && !given('data') ? base.data : dataSources(required(flags.data, 'data')),
      replay: base && !given('replay') ? base.replay : (flags.replay ?? 0),
      loraRank: given('loraRank') ? (flags.loraRank ?? undefined) : base?.loraRank,
      domain: required(pick('domain', base?.domain), 'domain'),
      general: required(pick('general', base?.general), 'general'),
      out,
      domainQa: given('domainQa') ? flags.domainQa : (base?.domainQa ?? null),
      generalQa: given('generalQa') ? flags.generalQa : (base?.generalQa ?? null),
      domainTasks: given('domainTasks') ? flags.domainTasks.map(taskPath) : (base?.domainTasks ?? []),
      generalTasks: given('generalTasks') ? flags.generalTasks.map(taskPath) : (base?.generalTasks ?? []),
      steps: pick('steps', base?.steps)!,
      batch: pick('batch', base?.batch)!,
      lr: pick('lr', base?.lr)!,
      seqLen: pick('seqLen', base?.seqLen)!,
      seed: pick('seed', base?.seed)!,
      seeds: pick('seeds', base?.seeds) ?? flags.seeds,
      scoreSamples: pick('samples', base?.scoreSamples)!,
      evalSamples: pick('samples', base?.evalSamples)!,
      baselines: pick('baselines', base?.baselines)!,
      pruneRule: pick('pruneRule', base?.pruneRule) ?? flags.pruneRule,
    };
    // The folder becomes (or stays) a project the app opens with these choices.
    await recordRunOptions(options);
    const result = await runPipeline(options, ctx);
    ctx.info(`Report: ${result.reportHtml}`);
    return result;
  },
  format: formatRunResult,
};

/** Task files as absolute paths (saved in settings.json, read from any folder later); bundled:NAME as it is; a comma list item by item. */
const taskPath = (tasks: string) =>
  tasks
    .split(',')
    .map((t) => (t.startsWith('bundled:') ? t : resolve(t)))
    .join(',');

/** One DATA folder as it is; several (or a weight) as sources, a NAME of code, math or legal setting that source's field. */
function dataSources(specs: SourceSpec[]) {
  if (specs.length === 1 && specs[0].name === undefined && specs[0].weight === undefined) return specs[0].data;
  return specs.map((s) => ({ ...s, domain: (DOMAINS as readonly string[]).includes(s.name ?? '') ? (s.name as Domain) : null }));
}
