/**
 * `train`: continued pre-training of the chosen tensors of a model on packed causal-LM
 * sequences, the loop around the training engine:
 *
 *   for each optimizer step: the next batch*gradAccum sequences (seeded order), gradients summed
 *   over gradAccum micro-batches with the loss averaged over all the step's target tokens,
 *   global-norm clipping, the scheduled learning rate, one optimizer update in place;
 *   every evalEvery steps: mean NLL on held-out sets; every checkpointEvery steps, when stopped
 *   (control.signal) and at the end: a checkpoint; at the end: the trained model in OUT.
 *
 * The data may mix several sources by weight with general text replayed in every batch
 * (mixed-order.ts), and may be instruction examples whose loss counts response tokens only
 * (training-data.ts). LoRA trains low-rank adapters instead of the model's own tensors; the
 * trained model then holds the merged weights and its adapter/ folder the adapter as PEFT
 * saves it (lora-output.ts). Every run ends with the per-layer update analysis
 * (update-analysis.ts).
 *
 * A resumed run restores weights, optimizer state, data position and history from the newest
 * complete checkpoint and repeats exactly the computations the uninterrupted run would have
 * made, so it produces the same losses. Stopping saves the last completed step and throws
 * TrainingStopped (a cancellation, for the CLI and the job manager).
 */
import { resolve, join } from 'node:path';
import type { ModelDescription } from '../../shared/model.js';
import { UserError } from '../../shared/errors.js';
import { CancelledError, type TaskControl } from '../../shared/progress.js';
import { appVersion } from '../version.js';
import { validateSequences } from '../engine/batch.js';
import { adapterParameterCount, adapterSpecs, LORA_MODULE_PATHS } from '../engine/lora-adapters.js';
import { createTrainingEngine, type Parameter, type SequenceLayout, type TrainingEngine } from '../engine/training-engine.js';
import type { DeviceOptimizer } from '../engine/device-optimizer.js';
import { gpuJobMemory, placeTrainingJob, type TrainingPlacement } from '../engine/placement.js';
import { chooseWeightMode } from '../memory/choose.js';
import { trainingEstimates, type AdapterShape } from '../memory/training.js';
import { makePlan } from '../plan/index.js';
import { DTYPE_BYTES } from '../model/dtypes.js';
import { ModelFolder } from '../model/folder.js';
import { blockParameters, blockTensorSpecs, globalParameters, modelParameters } from '../model/tensors.js';
import type { MemoryRecord } from '../../shared/memory.js';
import type { LoraSettings } from '../../shared/training.js';
import { AdamW } from './adamw.js';
import { CHECKPOINTS_FOLDER, checkpointFolder, latestValidCheckpoint, readCheckpoint, saveCheckpoint } from './checkpoint.js';
import { clipGradients } from './clipping.js';
import type { DataPosition } from './data-order.js';
import { loadEvalSets, type EvalSet } from './eval-sets.js';
import { ADAPTER_FOLDER, mergedWeights, writePeftAdapter, type AdapterTensors } from './lora-output.js';
import { MixedOrder, type MixPosition } from './mixed-order.js';
import { writeTrainedModel } from './final-model.js';
import { modelFingerprint } from './fingerprint.js';
import { decays, type Optimizer } from './optimizer.js';
import { DEFAULTS, resolveLora, resolveRunSettings, resolveSeqLen, settingsDifference, wholeNumber, type RunSettings, type TrainOptions } from './options.js';
import { prepareOutput } from './output-folder.js';
import { stepMessage } from './progress-text.js';
import type { EvalRecord, RunInputs, TrainingHistory, TrainingRecord } from './record.js';
import { learningRate } from '../../shared/schedules.js';
import { Sgd } from './sgd.js';
import { frozenBase, resolveTrainable, type ResolvedTrainable } from './trainable.js';
import { loadTrainingData } from './training-data.js';
import { adapterUpdates, layerUpdates, tensorUpdates } from './update-analysis.js';
import type { TrainRunResult } from '../../shared/training.js';

export type { TrainResult, TrainRunResult } from '../../shared/training.js';

/** Stopped on request: the last completed step is saved, and --resume continues from it. */
export class TrainingStopped extends UserError {
  readonly isCancelled = true;
  constructor(
    readonly step: number,
    readonly steps: number,
    readonly checkpoint: string,
  ) {
    super(`Training stopped after step ${step} of ${steps}; saved ${checkpoint}. Run the same command with --resume to continue.`);
  }
}

/** What a checkpoint's state.json holds. */
interface TrainerState {
  version: 1;
  step: number;
  /** Where every source's order stands (a bare DataPosition in checkpoints from before mixtures). */
  position: MixPosition | DataPosition;
  optimizerUpdates: number;
  history: TrainingHistory;
  settings: RunSettings;
  inputs: RunInputs;
  trainable: { layers: number[]; globals: boolean };
  /** null (or absent in older checkpoints): the model's own tensors train. */
  lora?: LoraSettings | null;
}

export async function train(modelDir: string, options: TrainOptions, control: TaskControl = {}): Promise<TrainRunResult> {
  const started = performance.now();
  const out = resolve(options.out);
  const log = (line: string) => control.onLog?.(line);
  const folder = await ModelFolder.open(modelDir);
  let engine: TrainingEngine | null = null;
  try {
    const m = folder.description;
    const lora = options.lora ? resolveLora(options.lora, m) : null;
    const trainable = lora ? await frozenBase(modelDir) : await resolveTrainable(modelDir, m, options.trainable ?? 'auto');
    const { memory, placement } = await planTrainingMemory(folder, trainable, options, lora);
    await prepareOutput(modelDir, out, { resume: options.resume === true, overwrite: options.overwrite === true });
    const tokenizer = folder.hasTokenizer ? await folder.loadTokenizer() : null;
    const seqLen = resolveSeqLen(options, m);
    const data = await loadTrainingData(modelDir, options, tokenizer, { seqLen, vocabSize: m.vocabSize }, control);
    for (const source of data.sources) validateSequences(source.sequences, m);
    const settings = resolveRunSettings(options, m, data.sequences);
    const inputs: RunInputs = { modelFingerprint: await modelFingerprint(folder), dataHash: data.dataHash };
    const evalEvery = options.evalEvery ?? 0;
    const checkpointEvery = options.checkpointEvery ?? DEFAULTS.checkpointEvery;
    const keep = options.keepCheckpoints ?? DEFAULTS.keepCheckpoints;
    wholeNumber('evalEvery', evalEvery, 0);
    wholeNumber('checkpointEvery', checkpointEvery, 0);
    wholeNumber('keepCheckpoints', keep, 1);
    const evalSets = await loadEvalSets(
      options.evalData ?? [],
      tokenizer,
      {
        seqLen,
        vocabSize: m.vocabSize,
        samples: options.evalSamples ?? DEFAULTS.evalSamples,
        seed: settings.seed,
        instruct: options.format === 'instruct' ? { modelDir, template: options.template ?? null } : null,
        names: data.mixture.sources.map((s) => ({ data: s.data, name: s.name })),
      },
      control,
    );
    if (evalEvery > 0 && evalSets.length === 0)
      throw new UserError('Evaluation every N steps needs held-out data: give --eval-data (a file, folder or built corpus).');

    // Said once the inputs are known good, so that bad data stays one line.
    log(placement.record.why);
    engine = await createTrainingEngine(folder, trainable, {
      ...options,
      provider: placement.provider,
      weights: memory.mode,
      gpu: placement.gpu ?? undefined,
      lora: lora ? { ...lora, seed: settings.seed } : undefined,
    });
    // Layout (a): the optimizer runs on the GPU beside the gradients; otherwise on the host.
    const deviceOptimizer = (await engine.gpu?.createOptimizer({ ...settings, decays })) ?? null;
    const run = new TrainingRun(engine, settings, deviceOptimizer ?? createOptimizer(engine.parameters, settings), control, deviceOptimizer);
    const checkpoints = join(out, CHECKPOINTS_FOLDER);
    const state = (step: number, position: MixPosition): TrainerState => ({
      version: 1,
      step,
      position,
      optimizerUpdates: run.optimizer.updates,
      history: run.history,
      settings,
      inputs,
      trainable: { layers: trainable.layers, globals: trainable.globals },
      lora,
    });
    const save = async (step: number, position: MixPosition) => {
      await engine!.gpu?.syncToHost();
      await saveCheckpoint(
        checkpoints,
        step,
        state(step, position),
        [...engine!.parameters.map((p) => ({ name: p.name, shape: p.shape, data: p.value })), ...run.optimizer.stateTensors()],
        keep,
      );
    };

    let step = 0;
    let start: MixPosition | undefined;
    let resumedFrom: number | null = null;
    if (options.resume) {
      const found = await latestValidCheckpoint(checkpoints, log);
      if (!found) throw new UserError(`There is no complete checkpoint in ${checkpoints} to resume from. Run without --resume to start training.`);
      const saved = await readCheckpoint<TrainerState>(found.dir);
      checkResumable(saved.state, settings, inputs, trainable, lora, found.dir);
      run.restore(saved.state, saved.tensors, found.dir);
      await engine.gpu?.syncToDevice();
      step = saved.state.step;
      start = mixPosition(saved.state.position);
      resumedFrom = step;
      log(`Resuming from step ${step} (${found.dir}).`);
    }
    const order = new MixedOrder(
      data.sources.map((s) => ({ count: s.sequences.length, length: (i: number) => s.sequences[i].length, share: s.record.share })),
      settings.seed,
      settings.shuffle,
      start,
    );
    /** Where the data order stands after the last completed step. */
    let position = order.position;
    let savedStep = resumedFrom;
    let stopped = false;
    try {
      if (step === 0) await run.evaluate(evalSets, 0);
      while (step < settings.steps) {
        const picks = order.next(settings.batch * settings.gradAccum);
        const batch = picks.map((p) => data.sources[p.source].sequences[p.index]);
        const layouts = picks.map((p) => data.sources[p.source].layouts?.[p.index] ?? null);
        if (!(await run.step(batch, layouts, step))) {
          stopped = true;
          break;
        }
        step++;
        position = order.position;
        if (evalEvery > 0 && step % evalEvery === 0 && step < settings.steps) await run.evaluate(evalSets, step);
        if (checkpointEvery > 0 && step % checkpointEvery === 0 && step < settings.steps) {
          await save(step, position);
          savedStep = step;
        }
      }
      if (!stopped && evalSets.length > 0 && run.history.evals.at(-1)?.step !== step) await run.evaluate(evalSets, step);
    } catch (e) {
      if (!(e as { isCancelled?: boolean }).isCancelled) throw e;
      stopped = true;
    }
    if (stopped && step === 0) throw new CancelledError();
    if (savedStep !== step) await save(step, position);
    if (stopped) throw new TrainingStopped(step, settings.steps, checkpointFolder(checkpoints, step));

    control.onProgress?.({ fraction: 1, message: 'Measuring how much each layer changed' });
    const adapters = lora ? adapterTensors(engine, lora, m) : [];
    const scale = lora ? lora.alpha / lora.rank : 1;
    const updates = layerUpdates(lora ? await adapterUpdates(folder, adapters, lora.rank, scale) : await tensorUpdates(folder, engine.parameters));
    const mixture = { ...data.mixture, tokensRead: order.tokensRead };
    const record: TrainingRecord = {
      version: 1,
      tool: { name: 'SLayer Studio', version: appVersion() },
      model: resolve(modelDir),
      data: data.mixture.sources[0].data,
      inputs,
      settings,
      trainableLayers: trainable.layers,
      trainGlobals: trainable.globals,
      trainableParameters: run.trainableParameters,
      trainingSequences: data.sequences,
      steps: step,
      history: run.history,
      tokensPerSecond: run.tokensPerSecond,
      resumedFrom,
      format: options.format ?? 'text',
      mixture,
      lora,
      instruct: data.instruct && { template: data.instruct.template, examples: data.instruct.examples, packing: options.packing ?? 'pack' },
      updates,
    };
    await engine.gpu?.syncToHost();
    placement.record.transfers = engine.gpu?.ledger.summary() ?? null;
    control.onProgress?.({ fraction: 1, message: `Writing the trained model to ${out}` });
    let trained: Map<string, Float32Array>;
    if (lora) {
      trained = await mergedWeights(folder, adapters, lora.rank, scale);
      await writePeftAdapter(join(out, ADAPTER_FOLDER), adapters, lora, resolve(modelDir), m.layers);
    } else {
      trained = new Map(engine.parameters.map((p) => [p.name, p.value]));
    }
    await writeTrainedModel(folder, trained, out, options.dtype ?? DEFAULTS.dtype, modelRecord(trainable, record, m), control);
    return {
      steps: step,
      losses: run.history.steps.map((s) => s.loss),
      tokensPerSecond: run.tokensPerSecond,
      trainableParameters: run.trainableParameters,
      out,
      evals: run.history.evals,
      resumedFrom,
      trainingSequences: data.sequences,
      dataHash: data.dataHash,
      format: options.format ?? 'text',
      mixture,
      lora,
      instruct: data.instruct,
      adapterDir: lora ? join(out, ADAPTER_FOLDER) : null,
      updates,
      settings,
      trainableLayers: trainable.layers,
      trainGlobals: trainable.globals,
      provider: engine.provider,
      threads: engine.threads,
      memory,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await engine?.dispose();
    await folder.close();
  }
}

/** What would make training fit, most useful first. */
const TRAINING_REMEDIES = [
  'a smaller batch or shorter sequences',
  'fewer trainable layers',
  'a GPU',
  'the cluster hand-off (Export: LLaMA-Factory or Axolotl)',
];

/** Where training runs and how it holds the frozen weights, chosen before anything loads, or a refusal. */
async function planTrainingMemory(
  folder: ModelFolder,
  trainable: ResolvedTrainable,
  options: TrainOptions,
  lora: LoraSettings | null,
): Promise<{ memory: MemoryRecord; placement: TrainingPlacement }> {
  const m = folder.description;
  const optimizer = options.optimizer ?? DEFAULTS.optimizer;
  const shape = {
    layers: m.layers,
    parameters: modelParameters(m),
    trainableParameters: trainable.layers.length * blockParameters(m) + (trainable.globals ? globalParameters(m) : 0),
    lowestTrainable: trainable.globals ? 0 : Math.min(...trainable.layers, ...(lora?.layers ?? [])),
    batch: options.batch ?? DEFAULTS.batch,
    seqLen: resolveSeqLen(options, m),
    optimizerStates: optimizer === 'adamw' ? 2 : 0,
    adapters: lora ? adapterShape(m, lora) : undefined,
  };
  // The GPU engines train plain text on a block's own tensors; adapters and instruction layouts run on the CPU.
  const cpuOnly = lora ? 'LoRA adapters train on the CPU' : options.format === 'instruct' ? 'instruction training runs on the CPU' : undefined;
  const placement = await placeTrainingJob(m, DTYPE_BYTES[folder.dtype], shape, { ...options, cpuOnly });
  if (placement.gpu) return { memory: gpuJobMemory(placement, options), placement };
  const estimates = trainingEstimates(m, DTYPE_BYTES[folder.dtype], shape);
  const { record } = chooseWeightMode(estimates, { ...options, forceMode: options.streaming ? 'streamed' : undefined }, 'Training', TRAINING_REMEDIES);
  return { memory: { ...record, placement: placement.record }, placement };
}

/** The optimizer steps and evaluations of one process, with the history they extend. */
class TrainingRun {
  history: TrainingHistory = { steps: [], evals: [] };
  readonly trainableParameters: number;
  private tokens = 0;
  private seconds = 0;
  private stepsHere = 0;

  constructor(
    private readonly engine: TrainingEngine,
    private readonly settings: RunSettings,
    readonly optimizer: Optimizer,
    private readonly control: TaskControl,
    /** Set when the optimizer runs on the GPU (layout (a)): it clips there too. */
    private readonly deviceOptimizer: DeviceOptimizer | null = null,
  ) {
    this.trainableParameters = engine.parameters.reduce((n, p) => n + p.value.length, 0);
  }

  get tokensPerSecond(): number {
    return this.seconds > 0 ? this.tokens / this.seconds : 0;
  }

  /**
   * One optimizer step (0-based `step`) on these sequences (with their layouts, null for plain
   * text); false when stopped before the update, leaving weights and optimizer state as they were.
   */
  async step(batch: Int32Array[], layouts: (SequenceLayout | null)[], step: number): Promise<boolean> {
    const { settings, engine, control } = this;
    const t0 = performance.now();
    const targets = batch.reduce((n, s, i) => n + targetsOf(s, layouts[i]), 0);
    engine.zeroGradients();
    let loss = 0;
    for (let g = 0; g < settings.gradAccum; g++) {
      if (control.signal?.aborted) return false;
      const part = [g * settings.batch, (g + 1) * settings.batch] as const;
      loss += await engine.accumulateGradients(batch.slice(...part), 1 / targets, {
        layouts: layouts.slice(...part),
        dropoutKey: step * settings.gradAccum + g,
      });
    }
    if (control.signal?.aborted) return false;
    const gradNorm = this.deviceOptimizer ? await this.deviceOptimizer.clip(settings.clip) : clipGradients(engine.parameters, settings.clip);
    const lr = learningRate(
      { schedule: settings.schedule, peak: settings.lr, warmupSteps: settings.warmup, totalSteps: settings.steps, finalRatio: settings.finalLrRatio },
      step,
    );
    await this.optimizer.step(lr);
    // Layout (b): the host's updated masters go back up to the GPU.
    if (!this.deviceOptimizer) await engine.gpu?.syncToDevice();

    const seconds = (performance.now() - t0) / 1000;
    const tokens = batch.reduce((n, s) => n + s.length, 0);
    this.seconds += seconds;
    this.tokens += tokens;
    this.stepsHere++;
    const done = step + 1;
    this.history.steps.push({ step: done, loss, lr, gradNorm, tokens, seconds });
    control.onMetric?.('loss', done, loss);
    control.onMetric?.('lr', done, lr);
    control.onMetric?.('gradNorm', done, gradNorm);
    control.onMetric?.('tokensPerSecond', done, tokens / seconds);
    const perStep = this.seconds / this.stepsHere;
    control.onProgress?.({
      fraction: done / settings.steps,
      message: stepMessage({
        step: done,
        steps: settings.steps,
        loss,
        tokensPerSecond: this.tokensPerSecond,
        elapsed: this.seconds,
        remaining: perStep * (settings.steps - done),
      }),
    });
    return true;
  }

  /** Mean NLL on every held-out set; recorded only once all sets are done, so a stop never leaves half an evaluation. */
  async evaluate(sets: readonly EvalSet[], step: number): Promise<void> {
    const records: EvalRecord[] = [];
    for (const set of sets) {
      const sums = await this.engine.evaluate(set.sequences, { signal: this.control.signal }, set.layouts);
      const loss = sums.nll / sums.targets;
      records.push({ step, name: set.name, loss, perplexity: Math.exp(loss), targets: sums.targets });
    }
    for (const r of records) {
      this.history.evals.push(r);
      this.control.onMetric?.(`evalLoss/${r.name}`, step, r.loss);
      this.control.onLog?.(`Step ${step}: ${r.name} held-out loss ${r.loss.toFixed(4)} (perplexity ${r.perplexity.toFixed(2)})`);
    }
  }

  restore(state: TrainerState, tensors: ReadonlyMap<string, Float32Array>, dir: string): void {
    const expected = [...this.engine.parameters, ...this.optimizer.stateTensors().map((t) => ({ name: t.name, value: t.data }))];
    for (const t of expected) {
      if (tensors.get(t.name)?.length !== t.value.length) {
        throw new UserError(`The checkpoint ${dir} does not hold "${t.name}" as this run needs it. Start a new run without --resume.`);
      }
    }
    for (const p of this.engine.parameters) p.value.set(tensors.get(p.name)!);
    this.optimizer.restore(state.optimizerUpdates, tensors);
    this.history = state.history;
  }
}

function createOptimizer(parameters: readonly Parameter[], s: RunSettings): Optimizer {
  return s.optimizer === 'adamw'
    ? new AdamW(parameters, { beta1: s.beta1, beta2: s.beta2, eps: s.eps, weightDecay: s.weightDecay })
    : new Sgd(parameters, s.weightDecay);
}

/** A checkpoint continues this run only if it trained the same tensors of the same model on the same data the same way. */
function checkResumable(
  saved: TrainerState,
  settings: RunSettings,
  inputs: RunInputs,
  trainable: ResolvedTrainable,
  lora: LoraSettings | null,
  dir: string,
): void {
  const refuse = (what: string) => {
    throw new UserError(
      `The checkpoint ${dir} belongs to a different run (${what}). Resume with the same model, data and settings, or start a new run in another folder.`,
    );
  };
  if (saved.inputs.modelFingerprint !== inputs.modelFingerprint) refuse('another model');
  if (saved.inputs.dataHash !== inputs.dataHash) refuse('other training data or sequence length');
  if (saved.trainable.globals !== trainable.globals || saved.trainable.layers.join() !== trainable.layers.join()) refuse('other trainable layers');
  if (JSON.stringify(saved.lora ?? null) !== JSON.stringify(lora)) refuse('other LoRA settings');
  const difference = settingsDifference(saved.settings, settings);
  if (difference) refuse(difference);
}

/**
 * slayer.json of the trained model: the model's own record (plan, surgery) with the training
 * added; an earlier stage's training record (the S stage before the instruct stage) moves to
 * earlierTraining. A model without a record gets the plan of the model as it is.
 */
function modelRecord(trainable: ResolvedTrainable, training: TrainingRecord, m: ModelDescription): Record<string, unknown> {
  const own = trainable.modelRecord ?? {
    version: 1,
    plan: trainable.plan ?? makePlan(m, { strategy: 'full' }),
    trainableLayers: trainable.layers,
    trainGlobals: trainable.globals,
  };
  const earlier = [...((own.earlierTraining as unknown[] | undefined) ?? []), ...(own.training ? [own.training] : [])];
  return { ...own, ...(earlier.length ? { earlierTraining: earlier } : {}), training };
}

/** Targets a sequence adds to the loss: every position but the last, or those its mask keeps. */
function targetsOf(sequence: Int32Array, layout: SequenceLayout | null): number {
  const mask = layout?.targetMask;
  if (!mask) return sequence.length - 1;
  let n = 0;
  for (let t = 0; t < sequence.length - 1; t++) n += mask[t];
  return n;
}

/** A checkpoint's position; one from before mixtures held a single source's DataPosition. */
function mixPosition(saved: MixPosition | DataPosition): MixPosition {
  return 'sources' in saved ? saved : { sources: [saved], tokens: [0] };
}

/** The engine's trained adapters with their places. */
function adapterTensors(engine: TrainingEngine, lora: LoraSettings, m: ModelDescription): AdapterTensors[] {
  const byName = new Map(engine.parameters.map((p) => [p.name, p.value]));
  return adapterSpecs(m, lora).map((spec) => ({ spec, a: byName.get(spec.aName)!, b: byName.get(spec.bName)! }));
}

/** What the memory plan needs to know about the adapters. */
function adapterShape(m: ModelDescription, lora: LoraSettings): AdapterShape {
  const specs = blockTensorSpecs(m);
  const inputsPerBlock = lora.targets.reduce((n, t) => n + specs.find((s) => s.name === `${LORA_MODULE_PATHS[t]}.weight`)!.shape[1], 0);
  return { parameters: adapterParameterCount(m, lora), rank: lora.rank, perBlock: lora.targets.length, inputsPerBlock, dropout: lora.dropout > 0 };
}
