/**
 * The training engine: loss and gradients of a Llama-family decoder for a batch of token
 * sequences, as a chain of ONNX graph calls (onnxruntime-node has no training API):
 *
 *   forward   embedding -> every block (keeping the inputs of the blocks that backward visits)
 *   head      final norm + LM head + cross-entropy and its backward, in one graph
 *   backward  block by block from the top down to the lowest block that needs it, each
 *             recomputing its own forward values from its kept input (decoder-block-backward.ts)
 *
 * Trainable blocks return weight gradients; frozen blocks between them and the head only pass
 * the gradient down. Backward stops at the lowest trainable block: nothing below it needs a
 * gradient, unless the embeddings are trained, when it runs down to block 0 and on into the
 * embedding rows. Every weight is a graph input fed per call without a copy: trainable ones
 * are the engine's own fp32 copies that the optimizer updates in place; frozen ones come from a
 * weight store (weight-store.ts) in the mode the memory plan chose: fp32, or kept as stored
 * and widened one block at a time, or read from disk block by block.
 *
 * Two additions for instruction tuning and the LoRA baseline: per-target loss masks and
 * packed examples that never attend across each other (SequenceLayout), and LoRA adapters on
 * chosen projections of chosen blocks (lora-adapters.ts), trained while every base weight
 * stays frozen. Block graphs of each variant (packed or not, with adapters or not) are built
 * the first time a batch needs them.
 */
import * as ort from 'onnxruntime-node';
import type { ModelDescription } from '../../shared/model.js';
import type { TaskControl } from '../../shared/progress.js';
import { throwIfCancelled } from '../../shared/progress.js';
import { blockTensorName, blockTensorSpecs, modelTensorSpecs, parseBlockTensorName, type TensorReader } from '../model/tensors.js';
import { padBatch, planBatches, type PaddedBatch } from './batch.js';
import { accumulateEmbeddingGrad } from './embedding-backward.js';
import { BLOCK_GRAD_IO, blockWeightGradName, decoderBlockBackwardGraph } from './graphs/decoder-block-backward.js';
import { BLOCK_IO, decoderBlockGraph, type BlockVariant } from './graphs/decoder-block.js';
import { loraInputNames } from './graphs/lora.js';
import { adapterSpecs, dropoutMask, initialLoraA, loraGraphSpec, type AdapterSpec, type LoraEngineSettings } from './lora-adapters.js';
import { EMBEDDING_IO, embeddingGraph } from './graphs/embedding.js';
import { LOSS_IO, headLossGraph } from './graphs/lm-head-loss.js';
import { HEAD_IO } from './graphs/lm-head.js';
import type { BuiltModel } from './onnx/graph-builder.js';
import { openProvider, type ComputeProvider, type ProviderName, type ProviderOptions } from './providers.js';
import { rotaryInverseFrequencies, rotaryTables } from './rotary-tables.js';
import { openWeightStore, type WeightStore } from './weight-store.js';
import { DEFAULT_ACTIVATION_BUDGET } from '../memory/forward.js';
import type { WeightMode } from '../../shared/memory.js';
import type { TrainingLayout } from '../../shared/compute.js';
import { createDeviceTrainingEngine } from './device-training-engine.js';
import type { DeviceOptimizer, DeviceOptimizerSettings } from './device-optimizer.js';
import type { GpuUse } from './forward-engine.js';
import { gpuForEngine, type GpuSettings } from './placement.js';

export interface TrainableSelection {
  /** 0-based indices of the blocks whose tensors are trained. */
  layers: readonly number[];
  /** Embeddings, final norm and LM head are trained too. */
  globals: boolean;
}

/** One trained tensor. */
export interface Parameter {
  /** Hugging Face tensor name. */
  name: string;
  shape: number[];
  /** The engine's own copy, fed to every graph call: update it in place. */
  value: Float32Array;
  /** Summed by accumulateGradients, cleared by zeroGradients. */
  grad: Float32Array;
}

export interface TrainingEngineOptions extends ProviderOptions {
  /** How frozen weights are held (default resident-f32); src/main/memory chooses it for jobs. */
  weights?: WeightMode;
  /** Bytes the head may spend on [rows, seq, vocab] logits per call; rows beyond it go in further calls. */
  activationBudgetBytes?: number;
  /** LoRA adapters to train (their blocks' own tensors stay frozen). CPU only. */
  lora?: LoraEngineSettings;
  /** Train device-resident on this GPU in this layout (placement.ts); with provider webgpu it defaults to layout (a). */
  gpu?: GpuSettings & { layout: TrainingLayout };
}

/** How a training engine uses a GPU (device-training-engine.ts), and what the trainer does differently there. */
export interface TrainingGpuUse extends GpuUse {
  layout: TrainingLayout;
  /** Layout (a): the optimizer that updates on the GPU beside the gradients; null in (b), where the host's optimizer updates parameters[]. */
  createOptimizer(settings: DeviceOptimizerSettings): Promise<DeviceOptimizer | null>;
  /** Makes parameters[].value (and the GPU optimizer's state) current on the host: before a checkpoint or the final model. */
  syncToHost(): Promise<void>;
  /** Sends parameters[].value (and restored optimizer state) to the GPU: after the host changed them. */
  syncToDevice(): Promise<void>;
}

/** What a sequence carries beyond its tokens (instruction tuning, CPU only); absent parts mean "as plain text". */
export interface SequenceLayout {
  /** 1 where the target of position t (token t + 1) counts in the loss, 0 where it does not (prompt tokens); length - 1 entries or more. */
  targetMask?: Uint8Array;
  /** The example each token belongs to: attention never crosses examples packed into one sequence. */
  segments?: Int32Array;
}

export interface BatchOptions {
  /** Per sequence (same order), its layout or null. */
  layouts?: readonly (SequenceLayout | null | undefined)[];
  /** Picks the LoRA dropout masks of this call: the same key gives the same masks (a resumed run repeats them). */
  dropoutKey?: number;
}

export interface EvaluationSums {
  /** Sum over every target token of -log p(target). */
  nll: number;
  targets: number;
}

export interface TrainingEngine {
  readonly description: ModelDescription;
  /** Trained tensors in Hugging Face order (embeddings, blocks, final norm, LM head). */
  readonly parameters: readonly Parameter[];
  readonly provider: ProviderName;
  readonly threads: number;
  readonly weightMode: WeightMode;
  /** Present when the engine trains on a GPU. */
  readonly gpu?: TrainingGpuUse;
  /**
   * Adds to every parameter's grad the gradient of sum_t w_t * -log p(target_t) over the
   * targets of these sequences (every position but the last, and only those their layout's
   * targetMask keeps), w_t = weightPerTarget, and returns that weighted loss. The sequences
   * form one padded batch.
   */
  accumulateGradients(sequences: readonly ArrayLike<number>[], weightPerTarget: number, options?: BatchOptions): Promise<number>;
  zeroGradients(): void;
  /** Mean-NLL ingredients of the current weights on held-out sequences (batched to the activation budget; layouts as above, no dropout). */
  evaluate(sequences: readonly ArrayLike<number>[], control?: TaskControl, layouts?: BatchOptions['layouts']): Promise<EvaluationSums>;
  dispose(): Promise<void>;
}

const EMBEDDING = 'model.embed_tokens.weight';

/** The head graph holds about this many [rows, seq, vocab] float32 arrays at once (logits, exp, probabilities, their gradient). */
const HEAD_LIVE_LOGIT_COPIES = 4;

export async function createTrainingEngine(reader: TensorReader, trainable: TrainableSelection, options: TrainingEngineOptions = {}): Promise<TrainingEngine> {
  const m = reader.description;
  const trainedLayers = new Set(trainable.layers);
  const lora = options.lora ?? null;
  const adapters = lora ? adapterSpecs(m, lora) : [];
  const adaptedLayers = new Set(adapters.map((a) => a.layer));
  for (const layer of adaptedLayers) {
    if (trainedLayers.has(layer)) throw new Error(`createTrainingEngine: block ${layer} cannot train both its own tensors and LoRA adapters`);
  }
  const parameterNames = new Set(
    modelTensorSpecs(m)
      .map((s) => s.name)
      .filter((name) => {
        const block = parseBlockTensorName(name);
        return block ? trainedLayers.has(block.layer) : trainable.globals;
      }),
  );
  if (parameterNames.size === 0 && adapters.length === 0) throw new Error('createTrainingEngine: nothing to train');
  const gpu = lora ? null : (options.gpu ?? (await gpuForEngine(options).then((g) => g && { ...g, layout: 'device' as const })));
  if (gpu) {
    const activationBudgetBytes = options.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET;
    return createDeviceTrainingEngine(reader, trainable, { ...gpu, threads: options.threads, activationBudgetBytes });
  }

  // Trained tensors become the engine's own fp32 copies; frozen ones stay in the weight store.
  const parameters: Parameter[] = [];
  for (const spec of modelTensorSpecs(m)) {
    if (!parameterNames.has(spec.name)) continue;
    const value = (await reader.readTensor(spec.name)).slice();
    parameters.push({ name: spec.name, shape: spec.shape, value, grad: new Float32Array(value.length) });
  }
  for (const a of adapters) {
    const rank = lora!.rank;
    parameters.push({ name: a.aName, shape: [rank, a.in], value: initialLoraA(lora!.seed, a, rank), grad: new Float32Array(rank * a.in) });
    parameters.push({ name: a.bName, shape: [a.out, rank], value: new Float32Array(a.out * rank), grad: new Float32Array(a.out * rank) });
  }
  const frozen = await openWeightStore(reader, options.weights ?? 'resident-f32', { skipLayers: trainedLayers, skipGlobals: trainable.globals });

  const lowestBackward = trainable.globals ? 0 : Math.min(...trainable.layers, ...adaptedLayers);
  const provider = await openProvider(options);
  const opened: ort.InferenceSession[] = [];
  const open = async (model: BuiltModel): Promise<ort.InferenceSession> => {
    const session = await provider.createSession(model);
    opened.push(session);
    return session;
  };
  try {
    const sessions: TrainingSessions = {
      embedding: await open(embeddingGraph(m)),
      headLoss: await open(headLossGraph(m, trainable.globals ? 'all' : 'hidden')),
      evalLoss: await open(headLossGraph(m, 'none')),
    };
    const blocks = new BlockSessions(m, open, lora);
    // The plain forward block serves every run; building it now reports a provider problem before any data is read.
    await blocks.get('forward', false, false, false);
    return new OnnxTrainingEngine(
      m,
      provider,
      sessions,
      blocks,
      opened,
      frozen,
      parameters,
      lowestBackward,
      options.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET,
      { settings: lora, adapters },
    );
  } catch (e) {
    await Promise.all(opened.map((s) => s.release()));
    throw e;
  }
}

interface TrainingSessions {
  embedding: ort.InferenceSession;
  headLoss: ort.InferenceSession;
  evalLoss: ort.InferenceSession;
}

/** forward; backward of a block whose own tensors train; backward of a frozen block (which may carry trained adapters). */
type BlockPass = 'forward' | 'backward-trained' | 'backward-frozen';

/** Block sessions by variant, each built the first time it is needed. */
class BlockSessions {
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();

  constructor(
    private readonly m: ModelDescription,
    private readonly open: (model: BuiltModel) => Promise<ort.InferenceSession>,
    private readonly lora: LoraEngineSettings | null,
  ) {}

  get(pass: BlockPass, packed: boolean, adapted: boolean, dropout: boolean): Promise<ort.InferenceSession> {
    const key = `${pass}:${packed}:${adapted}:${dropout}`;
    let session = this.sessions.get(key);
    if (!session) {
      const variant: BlockVariant = { segments: packed, lora: adapted ? loraGraphSpec(this.lora!, dropout) : undefined };
      session = this.open(
        pass === 'forward' ? decoderBlockGraph(this.m, variant) : decoderBlockBackwardGraph(this.m, { weightGrads: pass === 'backward-trained', ...variant }),
      );
      this.sessions.set(key, session);
    }
    return session;
  }
}

/** The adapters of a LoRA run (none otherwise). */
interface EngineAdapters {
  settings: LoraEngineSettings | null;
  adapters: AdapterSpec[];
}

class OnnxTrainingEngine implements TrainingEngine {
  /** Feeds over the trained tensors, made once: in-place optimizer updates show through them. */
  private readonly trainedFeeds = new Map<string, ort.Tensor>();
  /** Per trained block: its parameters by tensor suffix. */
  private readonly trainedBlocks = new Map<number, Map<string, Parameter>>();
  /** Per adapted block: its adapters with their A and B parameters. */
  private readonly adaptedBlocks = new Map<number, { spec: AdapterSpec; a: Parameter; b: Parameter }[]>();
  private readonly parameterByName: ReadonlyMap<string, Parameter>;
  private readonly inverseFrequencies: Float32Array;
  private rotary: { length: number; cos: Float32Array; sin: Float32Array } = { length: 0, cos: new Float32Array(), sin: new Float32Array() };
  private disposed = false;

  constructor(
    readonly description: ModelDescription,
    private readonly computeProvider: ComputeProvider,
    private readonly sessions: TrainingSessions,
    private readonly blockSessions: BlockSessions,
    private readonly openedSessions: ort.InferenceSession[],
    private readonly frozen: WeightStore,
    readonly parameters: readonly Parameter[],
    private readonly lowestBackward: number,
    private readonly activationBudget: number,
    private readonly lora: EngineAdapters,
  ) {
    this.parameterByName = new Map(parameters.map((p) => [p.name, p]));
    for (const a of lora.adapters) {
      if (!this.adaptedBlocks.has(a.layer)) this.adaptedBlocks.set(a.layer, []);
      this.adaptedBlocks.get(a.layer)!.push({ spec: a, a: this.parameterByName.get(a.aName)!, b: this.parameterByName.get(a.bName)! });
    }
    const adapterNames = new Set(lora.adapters.flatMap((a) => [a.aName, a.bName]));
    for (const p of parameters) {
      this.trainedFeeds.set(p.name, new ort.Tensor('float32', p.value, p.shape));
      if (adapterNames.has(p.name)) continue;
      const block = parseBlockTensorName(p.name);
      if (!block) continue;
      if (!this.trainedBlocks.has(block.layer)) this.trainedBlocks.set(block.layer, new Map());
      this.trainedBlocks.get(block.layer)!.set(block.suffix, p);
    }
    this.inverseFrequencies = rotaryInverseFrequencies(description);
  }

  get weightMode(): WeightMode {
    return this.frozen.mode;
  }

  get provider(): ProviderName {
    return this.computeProvider.name;
  }

  get threads(): number {
    return this.computeProvider.threads;
  }

  zeroGradients(): void {
    for (const p of this.parameters) p.grad.fill(0);
  }

  async accumulateGradients(sequences: readonly ArrayLike<number>[], weightPerTarget: number, options: BatchOptions = {}): Promise<number> {
    this.checkOpen();
    const m = this.description;
    const longest = Math.max(...sequences.map((s) => s.length));
    const batch = padBatch(
      sequences.map((_, i) => i),
      sequences,
      longest,
    );
    const layouts = options.layouts ?? [];
    const positions = this.positionFeeds(batch, layouts);
    const packed = BLOCK_IO.segments in positions;
    const dropout = this.lora.settings !== null && this.lora.settings.dropout > 0 ? (options.dropoutKey ?? 0) : null;

    const kept: ort.Tensor[] = [];
    let hidden = await this.embed(batch);
    for (let layer = 0; layer < m.layers; layer++) {
      if (layer >= this.lowestBackward) kept[layer] = hidden;
      const session = await this.blockSessions.get('forward', packed, this.adaptedBlocks.has(layer), dropout !== null);
      hidden = (await session.run({ ...(await this.blockFeeds(layer, batch, dropout)), ...positions, [BLOCK_IO.hidden]: hidden }))[BLOCK_IO.output];
    }

    const head = await this.headBackward(hidden, batch, targetWeights(batch, weightPerTarget, layouts));
    let grad = head.gradHidden;
    for (let layer = m.layers - 1; layer >= this.lowestBackward; layer--) {
      const trained = this.trainedBlocks.get(layer);
      const adapted = this.adaptedBlocks.get(layer);
      const session = await this.blockSessions.get(trained ? 'backward-trained' : 'backward-frozen', packed, adapted !== undefined, dropout !== null);
      const out = await session.run({
        ...(await this.blockFeeds(layer, batch, dropout)),
        ...positions,
        [BLOCK_IO.hidden]: kept[layer],
        [BLOCK_GRAD_IO.gradOutput]: grad,
      });
      if (trained) for (const [suffix, p] of trained) addInto(p.grad, out[blockWeightGradName(suffix)].data as Float32Array);
      for (const { spec, a, b } of adapted ?? []) {
        const names = loraInputNames(spec.module);
        addInto(a.grad, out[blockWeightGradName(names.a)].data as Float32Array);
        addInto(b.grad, out[blockWeightGradName(names.b)].data as Float32Array);
      }
      grad = out[BLOCK_GRAD_IO.gradInput];
    }
    const embeddingParameter = this.parameterByName.get(EMBEDDING);
    if (embeddingParameter) {
      accumulateEmbeddingGrad(
        embeddingParameter.grad,
        batch.tokenIds.data as BigInt64Array,
        batch.tokenMask.data as Uint8Array,
        grad.data as Float32Array,
        m.hiddenSize,
      );
    }
    return head.loss;
  }

  async evaluate(sequences: readonly ArrayLike<number>[], control?: TaskControl, layouts: BatchOptions['layouts'] = []): Promise<EvaluationSums> {
    this.checkOpen();
    const m = this.description;
    const sums: EvaluationSums = { nll: 0, targets: 0 };
    const batches = planBatches(sequences, m, this.activationBudget);
    for (const [b, batch] of batches.entries()) {
      throwIfCancelled(control?.signal);
      control?.onProgress?.({ fraction: b / batches.length, message: `Evaluating batch ${b + 1} of ${batches.length}` });
      const positions = this.positionFeeds(batch, layouts);
      const packed = BLOCK_IO.segments in positions;
      let hidden = await this.embed(batch);
      for (let layer = 0; layer < m.layers; layer++) {
        const session = await this.blockSessions.get('forward', packed, this.adaptedBlocks.has(layer), false);
        hidden = (await session.run({ ...(await this.blockFeeds(layer, batch, null)), ...positions, [BLOCK_IO.hidden]: hidden }))[BLOCK_IO.output];
      }
      const weights = targetWeights(batch, 1, layouts);
      const out = await this.sessions.evalLoss.run({
        ...(await this.headFeeds()),
        [HEAD_IO.hidden]: hidden,
        [HEAD_IO.targets]: batch.targets,
        [LOSS_IO.targetWeights]: new ort.Tensor('float32', weights, batch.targets.dims),
      });
      sums.nll += (out[LOSS_IO.loss].data as Float32Array)[0];
      sums.targets += weights.reduce((n, w) => n + w, 0);
    }
    return sums;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(this.openedSessions.map((s) => s.release()));
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error('The training engine was disposed.');
  }

  private async embed(batch: PaddedBatch): Promise<ort.Tensor> {
    const weight =
      this.trainedFeeds.get(EMBEDDING) ?? new ort.Tensor('float32', await this.frozen.embedding(), [this.description.vocabSize, this.description.hiddenSize]);
    const out = await this.sessions.embedding.run({ [EMBEDDING_IO.tokenIds]: batch.tokenIds, [EMBEDDING_IO.weight]: weight });
    return out[EMBEDDING_IO.output];
  }

  /**
   * A trained block's own tensors, or a frozen block's from the store (valid until the store's
   * next call), with its adapters and, in a training call with LoRA dropout, their masks.
   */
  private async blockFeeds(layer: number, batch: PaddedBatch, dropoutKey: number | null): Promise<Record<string, ort.Tensor>> {
    const m = this.description;
    const feeds: Record<string, ort.Tensor> = {};
    if (this.trainedBlocks.has(layer)) {
      for (const spec of blockTensorSpecs(m)) feeds[spec.name] = this.trainedFeeds.get(blockTensorName(layer, spec.name))!;
      return feeds;
    }
    const weights = await this.frozen.block(layer);
    for (const spec of blockTensorSpecs(m)) feeds[spec.name] = new ort.Tensor('float32', weights.get(spec.name)!, spec.shape);
    const lora = this.lora.settings;
    for (const { spec, a, b } of this.adaptedBlocks.get(layer) ?? []) {
      const names = loraInputNames(spec.module);
      feeds[names.a] = this.trainedFeeds.get(a.name)!;
      feeds[names.b] = this.trainedFeeds.get(b.name)!;
      if (dropoutKey !== null) {
        const rows = batch.rows.length;
        feeds[names.mask] = new ort.Tensor('float32', dropoutMask(lora!.seed, dropoutKey, spec, rows, batch.seqLen, lora!.dropout), [
          rows,
          batch.seqLen,
          spec.in,
        ]);
      }
    }
    return feeds;
  }

  /** Final norm and LM head: the trained copies when the globals train, else the store's. */
  private async headFeeds(): Promise<Record<string, ort.Tensor>> {
    const m = this.description;
    const headName = m.tiedEmbeddings ? EMBEDDING : 'lm_head.weight';
    return {
      [HEAD_IO.normWeight]: this.trainedFeeds.get('model.norm.weight') ?? new ort.Tensor('float32', await this.frozen.finalNorm(), [m.hiddenSize]),
      [HEAD_IO.headWeight]: this.trainedFeeds.get(headName) ?? new ort.Tensor('float32', await this.frozen.head(), [m.vocabSize, m.hiddenSize]),
    };
  }

  /**
   * Loss and d loss / d hidden, with the head's weight gradients when they are trained. Rows
   * go through the head in groups that fit the activation budget, since its logits are
   * [rows, seq, vocab].
   */
  private async headBackward(hidden: ort.Tensor, batch: PaddedBatch, weights: Float32Array): Promise<{ loss: number; gradHidden: ort.Tensor }> {
    const m = this.description;
    const rows = batch.rows.length;
    const T = batch.seqLen;
    const rowsPerCall = Math.max(1, Math.floor(this.activationBudget / (HEAD_LIVE_LOGIT_COPIES * 4 * T * m.vocabSize)));
    const hiddenData = hidden.data as Float32Array;
    const targets = batch.targets.data as BigInt64Array;
    const gradHidden = rowsPerCall >= rows ? null : new Float32Array(rows * T * m.hiddenSize);
    const normParameter = this.parameterByName.get('model.norm.weight');
    const headParameter = this.parameterByName.get(m.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
    const headFeeds = await this.headFeeds();
    let loss = 0;
    for (let r0 = 0; r0 < rows; r0 += rowsPerCall) {
      const r1 = Math.min(rows, r0 + rowsPerCall);
      const [from, to] = [r0 * T, r1 * T];
      const out = await this.sessions.headLoss.run({
        ...headFeeds,
        [HEAD_IO.hidden]: gradHidden
          ? new ort.Tensor('float32', hiddenData.subarray(from * m.hiddenSize, to * m.hiddenSize), [r1 - r0, T, m.hiddenSize])
          : hidden,
        [HEAD_IO.targets]: new ort.Tensor('int64', targets.subarray(from, to), [r1 - r0, T]),
        [LOSS_IO.targetWeights]: new ort.Tensor('float32', weights.subarray(from, to), [r1 - r0, T]),
      });
      loss += (out[LOSS_IO.loss].data as Float32Array)[0];
      if (normParameter) addInto(normParameter.grad, out[LOSS_IO.gradNormWeight].data as Float32Array);
      if (headParameter) addInto(headParameter.grad, out[LOSS_IO.gradHeadWeight].data as Float32Array);
      if (!gradHidden) return { loss, gradHidden: out[LOSS_IO.gradHidden] };
      gradHidden.set(out[LOSS_IO.gradHidden].data as Float32Array, r0 * T * m.hiddenSize);
    }
    return { loss, gradHidden: new ort.Tensor('float32', gradHidden!, [rows, T, m.hiddenSize]) };
  }

  /**
   * Rotary tables for the batch's length (rows of the longest table so far), its key mask, and
   * the segment ids when any sequence of the batch packs several examples.
   */
  private positionFeeds(batch: PaddedBatch, layouts: BatchOptions['layouts'] = []): Record<string, ort.Tensor> {
    if (batch.seqLen > this.rotary.length) this.rotary = { length: batch.seqLen, ...rotaryTables(this.inverseFrequencies, batch.seqLen) };
    const half = this.inverseFrequencies.length;
    const feeds: Record<string, ort.Tensor> = {
      [BLOCK_IO.ropeCos]: new ort.Tensor('float32', this.rotary.cos.subarray(0, batch.seqLen * half), [batch.seqLen, half]),
      [BLOCK_IO.ropeSin]: new ort.Tensor('float32', this.rotary.sin.subarray(0, batch.seqLen * half), [batch.seqLen, half]),
      [BLOCK_IO.keyMask]: batch.tokenMask,
    };
    if (batch.rows.some((s) => layouts[s]?.segments)) {
      const segments = new BigInt64Array(batch.rows.length * batch.seqLen);
      batch.rows.forEach((s, r) => {
        const ids = layouts[s]?.segments;
        if (ids) for (let t = 0; t < batch.lengths[r]; t++) segments[r * batch.seqLen + t] = BigInt(ids[t]);
      });
      feeds[BLOCK_IO.segments] = new ort.Tensor('int64', segments, [batch.rows.length, batch.seqLen]);
    }
    return feeds;
  }
}

/**
 * w at every position that has a next token (t < length - 1) and whose target the sequence's
 * layout keeps (targetMask[t] = 1), 0 elsewhere (the last token, padding, masked prompt tokens).
 */
export function targetWeights(batch: PaddedBatch, w: number, layouts: BatchOptions['layouts'] = []): Float32Array {
  const weights = new Float32Array(batch.rows.length * batch.seqLen);
  batch.rows.forEach((s, r) => {
    const base = r * batch.seqLen;
    const mask = layouts[s]?.targetMask;
    if (!mask) weights.fill(w, base, base + batch.lengths[r] - 1);
    else for (let t = 0; t < batch.lengths[r] - 1; t++) weights[base + t] = mask[t] ? w : 0;
  });
  return weights;
}

export function addInto(target: Float32Array, values: Float32Array): void {
  for (let i = 0; i < target.length; i++) target[i] += values[i];
}
