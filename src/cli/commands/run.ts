/** `slayer run`: score -> plan (S) -> apply -> train -> evaluate before/after -> report, resumable. */
import { resolve } from 'node:path';
import { BASELINES, DEFAULT_BASELINES, runPipeline, type RunOptions, type RunResult } from '../../main/pipeline/run.js';
import { projectRunOptions, recordRunOptions } from '../../main/pipeline/project-options.js';
import { readProjectIn } from '../../main/projects/store.js';
import { DOMAINS, parseSourceSpec, type Domain } from '../../main/data/index.js';
import { UserError } from '../../shared/errors.js';
import type { Command } from '../command.js';
import { choiceFlag, numberFlag, requireStringFlag, stringFlag } from '../args.js';
import { formatRunResult } from '../format-run.js';
import { pruneRuleFlag } from '../prune-flag.js';

const USAGE =
  'slayer run --out PROJECT (a project folder the app made or an earlier run wrote: its settings, any flag below overriding) | slayer run --model MODEL --data [NAME=]DATA[:WEIGHT] [--data ...] --domain code|math|legal --general DATA --out PROJECT [--replay SHARE] [--qa QA] [--general-qa QA] [--steps 200] [--batch 8] [--lr 1e-4] [--seq-len 256] [--seed 0] [--seeds 1] [--baselines llama-pro,last-k,full,lora|none] [--lora-rank R] [--prune deepest|scores|gromov] [--json]';

export const runCommand: Command<RunResult> = {
  usage: USAGE,
  details: [
    'PROJECT holds project.json (model, field) and settings.json (corpus, pipeline settings): on a project the app made, or one an',
    '  earlier run wrote, --out PROJECT alone finishes what was started; flags given override the saved settings for this run.',
    'Every stage writes into PROJECT with checksums; running the same command again reuses every stage whose inputs did not change.',
    '--general: general text for the forgetting check. --qa / --general-qa: multiple-choice JSONL sets for domain and general.',
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
  options: {
    model: { type: 'string' },
    data: { type: 'string', multiple: true },
    domain: { type: 'string' },
    general: { type: 'string' },
    out: { type: 'string' },
    qa: { type: 'string' },
    'general-qa': { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    'seq-len': { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    baselines: { type: 'string' },
    'lora-rank': { type: 'string' },
    replay: { type: 'string' },
    samples: { type: 'string' },
    prune: { type: 'string' },
  },
  async run(_positionals, values, ctx) {
    const out = resolve(requireStringFlag(values, 'out', USAGE));
    const saved = values.model === undefined ? await projectRunOptions(out) : null;
    const base = saved?.options ?? null;
    if (saved && saved.missing !== null && (await readProjectIn(out))) throw new UserError(`${saved.missing} Or give the flags: ${USAGE}`);
    const given = (name: string) => values[name] !== undefined;
    const baselinesRaw = stringFlag(values, 'baselines') ?? (base ? base.baselines.join(',') || 'none' : DEFAULT_BASELINES.join(','));
    const baselines = baselinesRaw === 'none' ? [] : baselinesRaw.split(',').map((b) => b.trim());
    for (const b of baselines) {
      if (!(BASELINES as readonly string[]).includes(b)) throw new UserError(`--baselines takes ${BASELINES.join(', ')} or none; got "${b}".`);
    }
    const options: RunOptions = {
      ...base,
      model: base && !given('model') ? base.model : requireStringFlag(values, 'model', USAGE),
      data: base && !given('data') ? base.data : dataSources(values.data as string[] | undefined),
      replay: base && !given('replay') ? base.replay : numberFlag(values, 'replay', 0, { min: 0, max: 1 }),
      loraRank: values['lora-rank'] === undefined ? base?.loraRank : numberFlag(values, 'lora-rank', 8, { min: 1, integer: true }),
      domain: base && !given('domain') ? base.domain : choiceFlag(values, 'domain', DOMAINS, 'code'),
      general: base && !given('general') ? base.general : requireStringFlag(values, 'general', USAGE),
      out,
      domainQa: stringFlag(values, 'qa') ?? base?.domainQa ?? null,
      generalQa: stringFlag(values, 'general-qa') ?? base?.generalQa ?? null,
      steps: numberFlag(values, 'steps', base?.steps ?? 200, { min: 1, integer: true }),
      batch: numberFlag(values, 'batch', base?.batch ?? 8, { min: 1, integer: true }),
      lr: numberFlag(values, 'lr', base?.lr ?? 1e-4, { min: 0 }),
      seqLen: numberFlag(values, 'seq-len', base?.seqLen ?? 256, { min: 8, integer: true }),
      seed: numberFlag(values, 'seed', base?.seed ?? 0, { min: 0, integer: true }),
      seeds: numberFlag(values, 'seeds', base?.seeds ?? 1, { min: 1, max: 100, integer: true }),
      scoreSamples: numberFlag(values, 'samples', base?.scoreSamples ?? 64, { min: 1, integer: true }),
      evalSamples: numberFlag(values, 'samples', base?.evalSamples ?? 64, { min: 1, integer: true }),
      baselines: baselines as (typeof BASELINES)[number][],
      pruneRule: given('prune') || !base ? pruneRuleFlag(values) : base.pruneRule,
    };
    // The folder becomes (or stays) a project the app opens with these choices.
    await recordRunOptions(options);
    const result = await runPipeline(options, ctx);
    ctx.info(`Report: ${result.reportHtml}`);
    return result;
  },
  format: formatRunResult,
};

/** One DATA folder as it is; several (or a weight) as sources, a NAME of code, math or legal setting that source's field. */
function dataSources(raw: string[] | undefined) {
  if (!raw?.length) throw new UserError(`Missing --data. Usage: ${USAGE}`);
  const specs = raw.map(parseSourceSpec);
  if (specs.length === 1 && specs[0].name === undefined && specs[0].weight === undefined) return specs[0].data;
  return specs.map((s) => ({ ...s, domain: (DOMAINS as readonly string[]).includes(s.name ?? '') ? (s.name as Domain) : null }));
}
