/**
 * `slayer run`: the whole S-strategy pipeline as resumable stages —
 * corpus -> score (domain, general) -> evaluate base -> plan -> apply -> evaluate built ->
 * train -> evaluate after, then the same for the baselines (LLaMA Pro, last-k, full fine-tuning,
 * and LoRA at the S run's trainable-parameter budget, which trains adapters on the model as it
 * is), then the report. The S plan deletes layers by the chosen prune rule (default: the
 * paper's, the deepest). The built model is evaluated before training whenever the surgery
 * changed the function (deleted or refreshed layers), so the report shows what the surgery cost
 * and what training recovered; a plan that only adds identity blocks computes the base model
 * exactly (the function check proves it), so its built model is the base model's measurement.
 * The domain data may be several sources mixed by weight, with general text replayed in every
 * batch; each domain is then evaluated on its own.
 * With several seeds (--seeds N) every strategy is trained and evaluated N times, seed k of N
 * with seed base+k (data order and start); seed 0 keeps the stage names and folders of a single
 * run (train-s, models/s-trained), seed k > 0 adds -seedK (train-s-seed1, models/s-trained-seed1),
 * and the report gives each strategy's mean ± standard deviation (src/shared/report-variance.ts).
 * Every stage's output stays in the project folder with checksums; a rerun resumes from the
 * first stage whose inputs changed (stage.ts).
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import { exportModel } from '../export/index.js';
import type { Plan, PlanOptions, PlanStrategy, PruneRule } from '../../shared/plan.js';
import { keepsBaseFunction, layerScoresOf } from '../../shared/plan.js';
import { measurementOf } from '../../shared/measurement.js';
import { REPORT_VERSION, type ExportRecord, type Measurement, type RunReport, type SeedRun, type StrategyRun } from '../../shared/report.js';
import { spreadOf } from '../../shared/report-variance.js';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic.js';
import { ModelFolder } from '../model/folder.js';
import { buildMixedCorpus, type CorpusSourceSpec, type Domain } from '../data/index.js';
import { scoreLayers, type ScoreResult } from '../analysis/index.js';
import { makePlan, readPlanFile, writePlanFile } from '../plan/index.js';
import { applyPlan, type ApplyResult } from '../surgery/index.js';
import { evaluateModel } from '../evaluate/index.js';
import { train, type TrainOptions, type TrainResult } from '../train/index.js';
import { loraForBudget } from '../train/lora-budget.js';
import { perplexityOf } from '../../shared/measurement.js';
import { modelParameters } from '../model/tensors.js';
import { reportFindings } from '../report/findings.js';
import { renderReportHtml } from '../report/report-html.js';
import { StageRunner, StopAtStage, type StageRecord, type StageRunnerOptions } from './stage.js';
import { BASELINES, DEFAULT_BASELINES, type CorpusStageOutput, type PipelineJobResult } from '../../shared/pipeline.js';
import type { HtmlReading } from '../../shared/corpus.js';

export { BASELINES, DEFAULT_BASELINES };

export interface RunOptions {
  model: string;
  /** The domain documents: one folder, or several sources with weights ([NAME=]DIR[:WEIGHT]). */
  data: string | readonly CorpusSourceSpec[];
  /** Share of every training step's tokens replayed from the general text (default 0). */
  replay?: number;
  /** LoRA baseline: this rank instead of the one that matches the S run's trainable parameters. */
  loraRank?: number;
  domain: Domain;
  general: string;
  /** How .html files are read; null or absent: as the field suggests. */
  html?: HtmlReading | null;
  out: string;
  domainQa?: string | null;
  generalQa?: string | null;
  /** Benchmark tasks (--task values) measured with the domain and with the general text of every model. */
  domainTasks?: readonly string[];
  generalTasks?: readonly string[];
  seqLen: number;
  seed: number;
  /** How many times each strategy is trained, seed k of them with seed + k (default 1). */
  seeds?: number;
  /** Optimizer steps of every training run (the same for S and the baselines, for a fair comparison). */
  steps: number;
  batch: number;
  lr: number;
  /** Strategies trained besides S. */
  baselines: readonly (typeof BASELINES)[number][];
  /** How the S plan chooses the layers it deletes (default deepest, the paper's rule). */
  pruneRule?: PruneRule;
  /**
   * A saved plan (the Plan step's plan.json) the S run uses instead of making one: an S or a
   * hand-edited plan; a plan of another strategy is left to that strategy's own run.
   */
  planFile?: string | null;
  scoreSamples: number;
  evalSamples: number;
  /** The most the general perplexity may rise before the report calls it forgetting (default: the findings' own). */
  forgettingLimit?: number;
}

export interface RunResult {
  report: string;
  reportHtml: string;
  reportJson: RunReport;
  reusedStages: string[];
}

const LABELS: Record<PlanStrategy | 'lora', string> = {
  s: 'S (SLayer)',
  'llama-pro': 'LLaMA Pro',
  'last-k': 'last-k',
  full: 'full fine-tuning',
  manual: 'manual',
  lora: 'LoRA',
};

/**
 * Where the first stages' progress ends within a whole run (they start where the one before ends).
 * A run up to one of them (a wizard step's own stages) shows its own 0–100 % on that part.
 */
const EARLY_STAGE_END = { corpus: 0.05, 'score-domain': 0.09, 'score-general': 0.13, 'evaluate-base': 0.2 } as const;

/** The progress of a run that stops after `until`: the fractions of the whole run, stretched over the part it covers. */
export function progressUntil(control: TaskControl, until: string | undefined): TaskControl {
  const end = until && until in EARLY_STAGE_END ? EARLY_STAGE_END[until as keyof typeof EARLY_STAGE_END] : 1;
  return end === 1 ? control : progressSpan(control, 0, 1 / end);
}

/** What a later stage depends on from an earlier one: its inputs and what it wrote. */
const upstream = (r: StageRecord<unknown>) => [r.inputsHash, r.artifacts];

/** Every stage, then the report: what `slayer run` and the app's "Do the remaining steps for me" do. */
export async function runPipeline(o: RunOptions, control: TaskControl = {}): Promise<RunResult> {
  const project = resolve(o.out);
  await mkdir(project, { recursive: true });
  return pipelineStages(o, control, new StageRunner(project, control));
}

/**
 * The stages up to `until` (every stage when absent), each reused when done and unchanged: the
 * app's stage and pipeline jobs. Stopping early leaves every finished stage on disk for the next run.
 */
export async function runStages(o: RunOptions, control: TaskControl = {}, until?: string): Promise<PipelineJobResult> {
  const project = resolve(o.out);
  await mkdir(project, { recursive: true });
  const stages = new StageRunner(project, control, { until });
  try {
    const result = await pipelineStages(o, progressUntil(control, until), stages);
    return { until: until ?? null, ran: stages.ran, reused: stages.reused, report: result.report };
  } catch (e) {
    if (!(e instanceof StopAtStage)) throw e;
    control.onProgress?.({ fraction: 1, message: `Done up to: ${e.stage}` });
    return { until: until ?? null, ran: stages.ran, reused: stages.reused, report: null };
  }
}

/** Walks the stages with a runner that may stop early (StopAtStage) or run nothing (a dry run for the status). */
export async function walkStages(o: RunOptions, options: StageRunnerOptions): Promise<StageRunner> {
  const stages = new StageRunner(resolve(o.out), {}, options);
  try {
    await pipelineStages(o, {}, stages);
  } catch (e) {
    if (!(e instanceof StopAtStage)) throw e;
  }
  return stages;
}

async function pipelineStages(o: RunOptions, control: TaskControl, stages: StageRunner): Promise<RunResult> {
  const project = resolve(o.out);
  const span = (from: number, to: number, label: string) => progressSpan(control, from, to, label);
  const modelDir = resolve(o.model);
  const folder = await ModelFolder.open(modelDir);
  const description = folder.description;
  const tokenizer = await folder.loadTokenizer();
  await folder.close();
  const modelStage = await stages.run('model', { modelDir }, async () => ({ output: { dir: modelDir }, artifacts: [modelDir] }));

  const corpusDir = join(project, 'corpus');
  const sources = (typeof o.data === 'string' ? [{ data: o.data }] : o.data).map((s) => ({ ...s, data: resolve(s.data) }));
  const corpus = await stages.run<CorpusStageOutput>(
    'corpus',
    {
      upstream: upstream(modelStage),
      data: sources.length === 1 && sources[0].weight === undefined && !o.replay ? sources[0].data : sources,
      ...(o.replay ? { replay: o.replay } : {}),
      ...(o.html ? { html: o.html } : {}),
      general: resolve(o.general),
      domain: o.domain,
      seqLen: o.seqLen,
      seed: o.seed,
    },
    async () => {
      const { report, mixture } = await buildMixedCorpus(
        sources,
        {
          general: resolve(o.general),
          tokenizer,
          cacheRoot: join(project, 'cache'),
          domain: o.domain,
          html: o.html ?? null,
          seqLen: o.seqLen,
          seed: o.seed,
          replay: o.replay,
        },
        corpusDir,
        span(0, EARLY_STAGE_END.corpus, 'Reading documents'),
      );
      const files = [join(corpusDir, 'corpus.json')];
      if (mixture) files.push(join(corpusDir, 'mixture.json'));
      if (mixture && mixture.sources.length > 1) files.push(join(corpusDir, 'sources'));
      return { output: { documents: report.documents, tokens: report.tokens, warnings: report.warnings, mixture }, artifacts: files };
    },
  );
  const mixture = corpus.output.mixture ?? null;

  const scoreOf = async (name: string, split: 'train' | 'general-train', from: number, to: number) =>
    stages.run<ScoreResult>(name, { upstream: upstream(corpus), split, samples: o.scoreSamples, seqLen: o.seqLen, seed: o.seed }, async () => ({
      output: await scoreLayers(
        modelDir,
        corpusDir,
        { split, samples: o.scoreSamples, seqLen: Math.min(o.seqLen, 128), seed: o.seed },
        span(from, to, `Scoring layers (${split})`),
      ),
    }));
  const domainScores = await scoreOf('score-domain', 'train', EARLY_STAGE_END.corpus, EARLY_STAGE_END['score-domain']);
  const generalScores = await scoreOf('score-general', 'general-train', EARLY_STAGE_END['score-domain'], EARLY_STAGE_END['score-general']);

  const measure = async (name: string, dir: string, deps: unknown, from: number, to: number) => {
    const evalOn = (split: 'validation' | 'general-validation', qa: string | null | undefined, tasks: readonly string[] | undefined, c: TaskControl) =>
      evaluateModel(dir, { data: corpusDir, split, qa: qa ?? undefined, tasks, seqLen: o.seqLen, samples: o.evalSamples, seed: o.seed }, c);
    const tasks = [o.domainTasks ?? [], o.generalTasks ?? []];
    return stages.run<Measurement>(name, { deps, qa: [o.domainQa ?? null, o.generalQa ?? null], tasks, samples: o.evalSamples, seqLen: o.seqLen }, async () => {
      const mid = (from + to) / 2;
      const domain = await evalOn('validation', o.domainQa, o.domainTasks, span(from, mid, `Evaluating ${name} (domain)`));
      const general = await evalOn('general-validation', o.generalQa, o.generalTasks, span(mid, to, `Evaluating ${name} (general)`));
      const measurement = measurementOf(domain, general);
      if (mixture && mixture.sources.length > 1) {
        // Each domain on its own: the first source is the corpus itself, the others its sources/NAME.
        measurement.domains = [{ name: mixture.sources[0].name, perplexity: measurement.domain }];
        for (const source of mixture.sources.slice(1)) {
          const r = await evaluateModel(
            dir,
            { data: join(corpusDir, 'sources', source.name), split: 'validation', seqLen: o.seqLen, samples: o.evalSamples, seed: o.seed },
            {
              signal: control.signal,
            },
          );
          measurement.domains.push({ name: source.name, perplexity: perplexityOf(r) });
        }
      }
      return { output: measurement };
    });
  };
  const before = await measure(
    'evaluate-base',
    modelDir,
    [upstream(modelStage), upstream(corpus)],
    EARLY_STAGE_END['score-general'],
    EARLY_STAGE_END['evaluate-base'],
  );

  const seeds = o.seeds ?? 1;
  /**
   * Trains one strategy from `sourceDir` with each seed and measures every trained model. Seed 0
   * is the run itself (train-S, models/S-trained); seed k > 0 adds -seedK to the stage names and
   * the folder. `span` is [start of training, end of training, end of measuring], shared by the seeds.
   */
  const trainSeeds = async (
    strategy: PlanStrategy | 'lora',
    sourceDir: string,
    settings: Pick<TrainOptions, 'lora' | 'trainable'>,
    inputsFor: (seed: number) => unknown,
    [start, trained, end]: [number, number, number],
  ) => {
    const part = (end - start) / seeds;
    const trainShare = (trained - start) / (end - start);
    const results: { seed: number; trainStage: StageRecord<TrainResult>; after: StageRecord<Measurement>; trainedDir: string }[] = [];
    for (let k = 0; k < seeds; k++) {
      const seed = o.seed + k;
      const suffix = k === 0 ? '' : `-seed${k}`;
      const trainedDir = join(project, 'models', `${strategy}-trained${suffix}`);
      const [from, mid, to] = [start + k * part, start + k * part + part * trainShare, start + (k + 1) * part];
      const trainStage = await stages.run<TrainResult>(`train-${strategy}${suffix}`, inputsFor(seed), async () => {
        const result = await train(
          sourceDir,
          { data: corpusDir, split: 'train', out: trainedDir, steps: o.steps, batch: o.batch, lr: o.lr, seed, seqLen: o.seqLen, ...settings, overwrite: true },
          span(from, mid, `Training ${LABELS[strategy]}${k === 0 ? '' : ` (seed ${seed})`}`),
        );
        return { output: result, artifacts: [trainedDir] };
      });
      const after = await measure(`evaluate-${strategy}${suffix}`, trainedDir, [upstream(trainStage), upstream(corpus)], mid, to);
      results.push({ seed, trainStage, after, trainedDir });
    }
    const [first, ...rest] = results;
    const seedRuns: { seedRuns?: SeedRun[]; spread?: StrategyRun['spread'] } =
      seeds === 1
        ? {}
        : {
            seedRuns: rest.map((r) => ({ seed: r.seed, training: trainingSummary(r.trainStage), after: r.after.output, modelDir: r.trainedDir })),
            spread: spreadOf(
              results.map((r) => r.seed),
              results.map((r) => r.after.output),
            ),
          };
    return { trainStage: first.trainStage, after: first.after, trainedDir: first.trainedDir, seedRuns };
  };

  const strategies: (PlanStrategy | 'lora')[] = ['s', ...o.baselines];
  const runs: StrategyRun[] = [];
  let sourceHash = '';
  let sTrainStage: StageRecord<TrainResult> | null = null;
  const share = (0.95 - EARLY_STAGE_END['evaluate-base']) / strategies.length;
  for (const [k, strategy] of strategies.entries()) {
    const from = EARLY_STAGE_END['evaluate-base'] + k * share;
    if (strategy === 'lora') {
      // Adapters on the model as it is, as many trainable values as the S run trained (where the rank allows).
      const budget = sTrainStage!.output.trainableParameters;
      const sized = loraForBudget(description, budget);
      const lora = o.loraRank ? { ...sized.settings, rank: o.loraRank, alpha: 2 * o.loraRank } : sized.settings;
      const { trainStage, after, trainedDir, seedRuns } = await trainSeeds(
        'lora',
        modelDir,
        { lora },
        (seed) => ({ upstream: [upstream(modelStage), upstream(corpus)], lora, steps: o.steps, batch: o.batch, lr: o.lr, seed, seqLen: o.seqLen }),
        [from, from + share * 0.8, from + share],
      );
      runs.push({
        strategy,
        label: LABELS.lora,
        counts: { layers: description.layers, parameters: modelParameters(description), trainableParameters: trainStage.output.trainableParameters },
        trainableLayers: [],
        removedLayers: [],
        training: trainingSummary(trainStage),
        after: after.output,
        modelDir: trainedDir,
        updates: trainStage.output.updates,
        lora: { ...lora, budgetParameters: budget, budgetMatched: Math.abs(trainStage.output.trainableParameters - budget) <= sized.perRank },
        ...seedRuns,
      });
      continue;
    }
    const options: PlanOptions =
      strategy === 's'
        ? { strategy: 's', pruneRule: o.pruneRule ?? 'deepest', scores: layerScoresOf(domainScores.output) }
        : strategy === 'llama-pro'
          ? { strategy: 'llama-pro' }
          : strategy === 'full'
            ? { strategy: 'full' }
            : { strategy: 'last-k' };
    const saved = strategy === 's' && o.planFile ? await readPlanFile(o.planFile, description) : null;
    const own = saved && (saved.strategy === 's' || saved.strategy === 'manual') ? saved : null;
    const planStage = await stages.run<Plan>(`plan-${strategy}`, { upstream: upstream(domainScores), ...(own ? { plan: own } : { options }) }, async () => {
      const plan = own ?? makePlan(description, options);
      await writePlanFile(join(project, 'plans', `${strategy}.json`), plan);
      return { output: plan, artifacts: [join(project, 'plans', `${strategy}.json`)] };
    });
    const expandedDir = join(project, 'models', `${strategy}-expanded`);
    const applied = await stages.run<ApplyResult>(`apply-${strategy}`, { upstream: upstream(planStage) }, async () => {
      const result = await applyPlan(modelDir, planStage.output, expandedDir, {
        ...span(from, from + share * 0.1, `Building the ${LABELS[strategy]} model`),
        overwrite: true,
      });
      return { output: result, artifacts: [expandedDir] };
    });
    sourceHash = applied.output.sourceSha256;
    const changesFunction = !keepsBaseFunction(planStage.output);
    const built = changesFunction
      ? (await measure(`evaluate-built-${strategy}`, expandedDir, [upstream(applied), upstream(corpus)], from + share * 0.1, from + share * 0.15)).output
      : before.output;
    const { trainStage, after, trainedDir, seedRuns } = await trainSeeds(
      strategy,
      expandedDir,
      { trainable: 'auto' },
      (seed) => ({ upstream: upstream(applied), steps: o.steps, batch: o.batch, lr: o.lr, seed, seqLen: o.seqLen }),
      [from + share * 0.15, from + share * 0.8, from + share],
    );
    if (strategy === 's') sTrainStage = trainStage;
    const plan = planStage.output;
    runs.push({
      strategy,
      label: LABELS[strategy],
      counts: plan.counts,
      trainableLayers: plan.layers.filter((l) => l.trainable).map((l) => l.index),
      removedLayers: plan.removed,
      pruneBy: plan.settings.pruneBy,
      planNotes: plan.notes,
      built,
      builtIsBase: !changesFunction,
      training: trainingSummary(trainStage),
      after: after.output,
      modelDir: trainedDir,
      updates: trainStage.output.updates,
      ...seedRuns,
    });
  }

  const sRun = runs.find((r) => r.strategy === 's')!;
  const exportsDir = join(project, 'exports');
  const exported = await stages.run<ExportRecord[]>('export', { upstream: sTrainStage && upstream(sTrainStage) }, async () => ({
    output: await exportAll(sRun.modelDir, exportsDir, span(0.95, 0.99, 'Exporting')),
    artifacts: [exportsDir],
  }));

  const reportJson = join(project, 'report.json');
  const reportHtml = join(project, 'report.html');
  const reportStage = await stages.run<RunReport>('report', { upstream: stages.visited.map((v) => v.record && upstream(v.record)) }, async () => {
    const report = assembleReport();
    await writeJsonAtomic(reportJson, report);
    await writeFileAtomic(reportHtml, renderReportHtml(report));
    return { output: report, artifacts: [reportJson, reportHtml] };
  });
  control.onProgress?.({ fraction: 1, message: 'Report written' });
  return { report: reportJson, reportHtml, reportJson: reportStage.output, reusedStages: stages.reused };

  function assembleReport(): RunReport {
    const partial: Omit<RunReport, 'findings'> = {
      version: REPORT_VERSION,
      createdAt: new Date().toISOString(),
      domain: o.domain,
      model: { dir: modelDir, architecture: description.architecture, layers: description.layers, parameters: modelParameters(description), sourceHash },
      data: {
        domain: sources[0].data,
        general: resolve(o.general),
        mixture,
        domainQa: o.domainQa ? resolve(o.domainQa) : null,
        generalQa: o.generalQa ? resolve(o.generalQa) : null,
        seqLen: o.seqLen,
        seed: o.seed,
        ...(seeds > 1 ? { seeds } : {}),
      },
      scores: { domain: layerScoresOf(domainScores.output), general: layerScoresOf(generalScores.output) },
      before: before.output,
      runs,
      exports: exported.output,
      timings: stages.timings,
      reused: stages.reused,
    };
    return { ...partial, findings: reportFindings(partial, o.forgettingLimit) };
  }
}

/** Every export of the trained S model, each read back by its own reader before it counts. */
async function exportAll(modelDir: string, dir: string, control: TaskControl): Promise<ExportRecord[]> {
  const gguf = await exportModel(modelDir, { format: 'gguf', out: join(dir, 'model-f16.gguf'), dtype: 'f16', overwrite: true }, progressSpan(control, 0, 0.6));
  const v = gguf.gguf?.verification;
  const hf = await exportModel(modelDir, { format: 'hf', out: join(dir, 'hf'), overwrite: true }, progressSpan(control, 0.6, 0.9));
  const reopened = await ModelFolder.open(hf.out);
  const tensors = reopened.tensors.size;
  await reopened.close();
  const records: ExportRecord[] = [
    {
      format: 'gguf',
      path: gguf.out,
      bytes: gguf.bytesWritten,
      check: v
        ? `GGUF read back: ${v.tensors} tensors and ${v.metadataKeys} metadata keys equal to the source (${v.values.toLocaleString('en')} values)`
        : 'not verified',
    },
    { format: 'hf', path: hf.out, bytes: hf.bytesWritten, check: `Hugging Face folder reopened: config, ${tensors} tensors and tokenizer valid` },
  ];
  for (const format of ['llamafactory', 'axolotl'] as const) {
    const r = await exportModel(modelDir, { format, out: join(dir, format), overwrite: true }, control);
    records.push({ format, path: r.out, bytes: r.bytesWritten, check: `trains exactly layers ${r.trainableLayers?.join(', ')} (explicit list)` });
  }
  return records;
}

function trainingSummary(stage: StageRecord<TrainResult>) {
  const t = stage.output;
  return { steps: t.steps, losses: t.losses, tokensPerSecond: t.tokensPerSecond, trainableParameters: t.trainableParameters, seconds: stage.seconds };
}
