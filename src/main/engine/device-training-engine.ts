/**
 * The training engine on a GPU (WebGPU), the same chain of graphs as the CPU engine
 * (training-engine.ts: forward keeping block inputs, head loss with its backward, block-by-block
 * backward with recomputation) with the activations on the GPU, in one of two layouts
 * (src/shared/compute.ts TrainingLayout; placement.ts chooses):
 *
 *   (a) device   frozen weights (fp16 where the adapter computes in it), the trained fp32
 *                masters, their gradients (added up on the GPU over micro-batches) and the
 *                optimizer's moments all stay on the GPU; the update runs there as a graph
 *                (device-optimizer.ts). Per step only token ids and masks go up, and the loss
 *                and one norm term per trained tensor come down.
 *   (b) offload  in the style of ZeRO-Offload: frozen weights and activations on the GPU, the
 *                trained fp32 masters, gradients and AdamW's moments in host memory (the
 *                trainer's own optimizer). Each trained block's gradients come down as its
 *                backward graph returns them; after the host's update the trained weights go
 *                up again (fp16 copies). Per step: 4 bytes down and 2 (or 4) up per trained weight.
 *
 * The graphs compute in fp32 (fp16 gradients would need loss scaling); fp16 weights are widened
 * in the graph where used. `parameters[].value` are fp32 host arrays in both layouts: the
 * masters in (b), checkpoint copies in (a) that gpu.syncToHost() fills.
 */
import * as ort from 'onnxruntime-node';
import type { GpuPrecision, TrainingLayout } from '../../shared/compute.js';
import type { ModelDescription } from '../../shared/model.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { blockTensorSpecs, modelTensorSpecs, parseBlockTensorName, type TensorReader } from '../model/tensors.js';
import { padBatch, planBatches, type PaddedBatch } from './batch.js';
import { GpuDevice, free, hostData, type DeviceSession, type DeviceTensor, type Feed } from './device.js';
import { DeviceOptimizer, type DeviceOptimizerSettings, type TrainedTensor } from './device-optimizer.js';
import { DevicePositions } from './device-positions.js';
import { uploadWeights, type DeviceWeights } from './device-weights.js';
import { accumulateEmbeddingGrad } from './embedding-backward.js';
import { concatRowsGraph, sliceRowsGraph } from './graphs/batch-rows.js';
import { BLOCK_GRAD_IO, blockWeightGradName, decoderBlockBackwardGraph } from './graphs/decoder-block-backward.js';
import { BLOCK_IO, decoderBlockGraph } from './graphs/decoder-block.js';
import { EMBEDDING_GRAD_IO, embeddingGradGraph } from './graphs/embedding-grad.js';
import { EMBEDDING_IO, embeddingGraph } from './graphs/embedding.js';
import { LOSS_IO, headLossGraph } from './graphs/lm-head-loss.js';
import { HEAD_IO } from './graphs/lm-head.js';
import { addGraph } from './graphs/optimizer-update.js';
import type { FloatType } from './onnx/graph-builder.js';
import type { OutputPlacement } from './providers.js';
import {
  addInto,
  targetWeights,
  type EvaluationSums,
  type Parameter,
  type TrainableSelection,
  type TrainingEngine,
  type TrainingGpuUse,
} from './training-engine.js';
import type { WeightMode } from '../../shared/memory.js';

export interface DeviceTrainingOptions {
  layout: TrainingLayout;
  precision: GpuPrecision;
  adapter: string;
  activationBudgetBytes: number;
  threads?: number;
  control?: TaskControl;
}

const EMBEDDING = 'model.embed_tokens.weight';
const FINAL_NORM = 'model.norm.weight';
/** The head graph holds about this many [rows, seq, vocab] float32 arrays at once (as the CPU engine counts). */
const HEAD_LIVE_LOGIT_COPIES = 4;

interface Sessions {
  embedding: DeviceSession;
  frozenBlock: DeviceSession;
  trainedBlock: DeviceSession;
  trainedBackward: DeviceSession | null;
  frozenBackward: DeviceSession | null;
  headLoss: DeviceSession;
  evalLoss: DeviceSession;
}

export async function createDeviceTrainingEngine(reader: TensorReader, trainable: TrainableSelection, options: DeviceTrainingOptions): Promise<TrainingEngine> {
  const m = reader.description;
  const trainedLayers = new Set(trainable.layers);
  const parameters: Parameter[] = [];
  for (const spec of modelTensorSpecs(m)) {
    const block = parseBlockTensorName(spec.name);
    if (block ? !trainedLayers.has(block.layer) : !trainable.globals) continue;
    parameters.push(hostParameter(spec.name, spec.shape, (await reader.readTensor(spec.name)).slice()));
  }
  if (parameters.length === 0) throw new Error('createDeviceTrainingEngine: nothing to train');

  const device = await GpuDevice.open(options.threads, options.adapter);
  try {
    const frozenType: FloatType = options.precision === 'fp16' ? 'float16' : 'float32';
    // (a) trains the fp32 masters themselves on the GPU; (b) runs on copies in the frozen weights' type.
    const trainedType: FloatType = options.layout === 'device' ? 'float32' : frozenType;
    const lowestBackward = trainable.globals ? 0 : Math.min(...trainable.layers);
    const needsFrozenBackward = Array.from({ length: m.layers - lowestBackward }, (_, k) => lowestBackward + k).some((l) => !trainedLayers.has(l));
    const gradsOut: OutputPlacement = options.layout === 'device' ? 'device' : 'host';
    const precision = (weights: FloatType) => ({ compute: 'float32' as const, weights });
    const headType = trainable.globals ? trainedType : frozenType;
    const block = (type: FloatType) => device.cached(`block-${type}`, () => decoderBlockGraph(m, {}, precision(type)), 'device');
    const weightGradOutputs = Object.fromEntries(
      blockTensorSpecs(m).map((s) => [blockWeightGradName(s.name), options.layout === 'device' ? 'device' : 'host'] as const),
    );
    const sessions: Sessions = {
      embedding: await device.session(embeddingGraph(m, precision(trainable.globals ? trainedType : frozenType)), 'device', 'the embedding'),
      frozenBlock: await block(frozenType),
      trainedBlock: await block(trainedType),
      trainedBackward:
        trainedLayers.size > 0
          ? await device.session(
              decoderBlockBackwardGraph(m, { weightGrads: true, precision: precision(trainedType) }),
              { [BLOCK_GRAD_IO.gradInput]: 'device', ...weightGradOutputs },
              'a block backward',
            )
          : null,
      frozenBackward: needsFrozenBackward
        ? await device.session(decoderBlockBackwardGraph(m, { weightGrads: false, precision: precision(frozenType) }), 'device', 'a block backward')
        : null,
      headLoss: await device.session(
        headLossGraph(m, trainable.globals ? 'all' : 'hidden', precision(headType)),
        trainable.globals
          ? { [LOSS_IO.loss]: 'host', [LOSS_IO.gradHidden]: 'device', [LOSS_IO.gradNormWeight]: gradsOut, [LOSS_IO.gradHeadWeight]: gradsOut }
          : { [LOSS_IO.loss]: 'host', [LOSS_IO.gradHidden]: 'device' },
        'the LM head and loss',
      ),
      evalLoss: await device.session(headLossGraph(m, 'none', precision(headType)), 'host', 'the LM head and loss'),
    };
    const frozen = await uploadWeights(reader, device, frozenType, { skipLayers: trainedLayers, skipGlobals: trainable.globals, control: options.control });
    const trained: TrainedTensor[] = [];
    device.ledger.beginLoad();
    try {
      for (const p of parameters) trained.push({ parameter: p, value: await device.uploadFloats(p.value, p.shape, trainedType), grad: null });
    } finally {
      device.ledger.endLoad();
    }
    return new DeviceTrainingEngine(m, device, sessions, frozen, trained, trainedType, lowestBackward, options);
  } catch (e) {
    await device.release();
    throw e;
  }
}

/** A trained tensor's host side: its fp32 value, and a gradient array made on first use (layout (a) may never need one). */
function hostParameter(name: string, shape: number[], value: Float32Array): Parameter {
  let grad: Float32Array | null = null;
  return {
    name,
    shape,
    value,
    get grad() {
      grad ??= new Float32Array(value.length);
      return grad;
    },
  };
}

class DeviceTrainingEngine implements TrainingEngine {
  readonly provider = 'webgpu' as const;
  /** The host reads each frozen tensor once and streams it to the GPU. */
  readonly weightMode: WeightMode = 'streamed';
  readonly parameters: readonly Parameter[];
  private readonly byName: ReadonlyMap<string, TrainedTensor>;
  /** Per trained block: its trained tensors by suffix. */
  private readonly trainedBlocks = new Map<number, Map<string, TrainedTensor>>();
  private readonly positions: DevicePositions;
  private optimizer: DeviceOptimizer | null = null;
  private disposed = false;

  constructor(
    readonly description: ModelDescription,
    private readonly device: GpuDevice,
    private readonly sessions: Sessions,
    private readonly frozen: DeviceWeights,
    private readonly trained: TrainedTensor[],
    private readonly trainedType: FloatType,
    private readonly lowestBackward: number,
    private readonly options: DeviceTrainingOptions,
  ) {
    this.parameters = trained.map((t) => t.parameter);
    this.byName = new Map(trained.map((t) => [t.parameter.name, t]));
    for (const t of trained) {
      const block = parseBlockTensorName(t.parameter.name);
      if (!block) continue;
      if (!this.trainedBlocks.has(block.layer)) this.trainedBlocks.set(block.layer, new Map());
      this.trainedBlocks.get(block.layer)!.set(block.suffix, t);
    }
    this.positions = new DevicePositions(description, device);
  }

  get threads(): number {
    return this.device.provider.threads;
  }

  get gpu(): TrainingGpuUse {
    return {
      adapter: this.options.adapter,
      precision: this.options.precision,
      layout: this.options.layout,
      ledger: this.device.ledger,
      weightBytes: this.frozen.bytes + this.trained.reduce((n, t) => n + t.parameter.value.length * (this.trainedType === 'float16' ? 2 : 4), 0),
      createOptimizer: (settings) => this.createOptimizer(settings),
      syncToHost: () => this.syncToHost(),
      syncToDevice: () => this.syncToDevice(),
    };
  }

  zeroGradients(): void {
    this.device.ledger.beginStep();
    if (this.options.layout === 'device') {
      for (const t of this.trained) {
        free(t.grad);
        t.grad = null;
      }
    } else {
      for (const p of this.parameters) p.grad.fill(0);
    }
  }

  async accumulateGradients(sequences: readonly ArrayLike<number>[], weightPerTarget: number): Promise<number> {
    this.checkOpen();
    const m = this.description;
    const longest = Math.max(...sequences.map((s) => s.length));
    const batch = padBatch(
      sequences.map((_, i) => i),
      sequences,
      longest,
    );
    const keyMask = await this.positions.mask(batch.tokenMask);
    const positions = { ...(await this.positions.rotary(batch.seqLen)), [BLOCK_IO.keyMask]: keyMask };
    const kept: DeviceTensor[] = [];
    let hidden: DeviceTensor | null = null;
    let grad: DeviceTensor | null = null;
    try {
      hidden = await this.embed(batch);
      for (let layer = 0; layer < m.layers; layer++) {
        const next = await this.blockForward(layer, positions, hidden);
        if (layer >= this.lowestBackward) kept[layer] = hidden;
        else free(hidden);
        hidden = next;
      }
      const head = await this.headBackward(hidden, batch, targetWeights(batch, weightPerTarget));
      free(hidden);
      hidden = null;
      grad = head.gradHidden;
      for (let layer = m.layers - 1; layer >= this.lowestBackward; layer--) {
        const trainedHere = this.trainedBlocks.get(layer);
        const session = (trainedHere ? this.sessions.trainedBackward : this.sessions.frozenBackward)!;
        const out = await session.run({ ...this.blockFeeds(layer), ...positions, [BLOCK_IO.hidden]: kept[layer], [BLOCK_GRAD_IO.gradOutput]: grad });
        free(kept[layer], grad);
        grad = out[BLOCK_GRAD_IO.gradInput] as DeviceTensor;
        if (trainedHere) for (const [suffix, t] of trainedHere) await this.addGradient(t, out[blockWeightGradName(suffix)]);
      }
      const embedding = this.byName.get(EMBEDDING);
      if (embedding) await this.addEmbeddingGradient(embedding, batch, keyMask, grad);
      return head.loss;
    } finally {
      free(hidden, grad, keyMask, ...kept);
    }
  }

  async evaluate(sequences: readonly ArrayLike<number>[], control?: TaskControl): Promise<EvaluationSums> {
    this.checkOpen();
    return this.device.ledger.outsideStep(async () => {
      const m = this.description;
      const sums: EvaluationSums = { nll: 0, targets: 0 };
      const batches = planBatches(sequences, m, this.options.activationBudgetBytes);
      for (const [b, batch] of batches.entries()) {
        throwIfCancelled(control?.signal);
        control?.onProgress?.({ fraction: b / batches.length, message: `Evaluating batch ${b + 1} of ${batches.length}` });
        const keyMask = await this.positions.mask(batch.tokenMask);
        const positions = { ...(await this.positions.rotary(batch.seqLen)), [BLOCK_IO.keyMask]: keyMask };
        let hidden = await this.embed(batch);
        try {
          for (let layer = 0; layer < m.layers; layer++) {
            const next = await this.blockForward(layer, positions, hidden);
            free(hidden);
            hidden = next;
          }
          const out = await this.sessions.evalLoss.run({
            ...this.headWeights(),
            [HEAD_IO.hidden]: hidden,
            [HEAD_IO.targets]: batch.targets,
            [LOSS_IO.targetWeights]: new ort.Tensor('float32', targetWeights(batch, 1), batch.targets.dims),
          });
          sums.nll += hostData(out[LOSS_IO.loss])[0];
          sums.targets += batch.lengths.reduce((n, length) => n + length - 1, 0);
        } finally {
          free(hidden, keyMask);
        }
      }
      return sums;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.optimizer?.free();
    for (const t of this.trained) free(t.value, t.grad);
    this.frozen.free();
    this.positions.free();
    await this.device.release();
  }

  private async createOptimizer(settings: DeviceOptimizerSettings): Promise<DeviceOptimizer | null> {
    if (this.options.layout !== 'device') return null;
    this.optimizer?.free();
    this.optimizer = await DeviceOptimizer.create(this.device, this.trained, settings);
    return this.optimizer;
  }

  /** Layout (a): the GPU's weights (and optimizer state) into the host copies. Layout (b): the host holds the masters already. */
  private async syncToHost(): Promise<void> {
    if (this.options.layout !== 'device') return;
    await this.device.ledger.outsideStep(async () => {
      for (const t of this.trained) t.parameter.value.set(await this.device.download(t.value));
      await this.optimizer?.pull();
    });
  }

  /** The host's values (updated, or restored from a checkpoint) onto the GPU. */
  private async syncToDevice(): Promise<void> {
    for (const t of this.trained) {
      const value = await this.device.uploadFloats(t.parameter.value, t.parameter.shape, this.trainedType);
      free(t.value);
      t.value = value;
    }
    await this.optimizer?.push();
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error('The training engine was disposed.');
  }

  private async embed(batch: PaddedBatch): Promise<DeviceTensor> {
    const weight = this.byName.get(EMBEDDING)?.value ?? this.frozen.embedding();
    const out = await this.sessions.embedding.run({ [EMBEDDING_IO.tokenIds]: batch.tokenIds, [EMBEDDING_IO.weight]: weight });
    return out[EMBEDDING_IO.output] as DeviceTensor;
  }

  private async blockForward(layer: number, positions: Record<string, DeviceTensor>, hidden: DeviceTensor): Promise<DeviceTensor> {
    const session = this.trainedBlocks.has(layer) ? this.sessions.trainedBlock : this.sessions.frozenBlock;
    return (await session.run({ ...this.blockFeeds(layer), ...positions, [BLOCK_IO.hidden]: hidden }))[BLOCK_IO.output] as DeviceTensor;
  }

  private blockFeeds(layer: number): Record<string, DeviceTensor> {
    const trainedHere = this.trainedBlocks.get(layer);
    if (!trainedHere) return this.frozen.resident(layer);
    return Object.fromEntries(blockTensorSpecs(this.description).map((s) => [s.name, trainedHere.get(s.name)!.value]));
  }

  private headWeights(): Record<string, DeviceTensor> {
    const m = this.description;
    const headName = m.tiedEmbeddings ? EMBEDDING : 'lm_head.weight';
    return {
      [HEAD_IO.normWeight]: this.byName.get(FINAL_NORM)?.value ?? this.frozen.finalNorm(),
      [HEAD_IO.headWeight]: this.byName.get(headName)?.value ?? this.frozen.head(),
    };
  }

  /**
   * Loss and d loss / d hidden (on the GPU), the head's gradients when the globals train. Rows go
   * through the head in groups that fit the activation budget, as on the CPU.
   */
  private async headBackward(hidden: DeviceTensor, batch: PaddedBatch, weights: Float32Array): Promise<{ loss: number; gradHidden: DeviceTensor }> {
    const m = this.description;
    const rows = batch.rows.length;
    const T = batch.seqLen;
    const rowsPerCall = Math.max(1, Math.floor(this.options.activationBudgetBytes / (HEAD_LIVE_LOGIT_COPIES * 4 * T * m.vocabSize)));
    const targets = batch.targets.data as BigInt64Array;
    const headName = m.tiedEmbeddings ? EMBEDDING : 'lm_head.weight';
    let loss = 0;
    const pieces: DeviceTensor[] = [];
    try {
      for (let r0 = 0; r0 < rows; r0 += rowsPerCall) {
        const r1 = Math.min(rows, r0 + rowsPerCall);
        const [from, to] = [r0 * T, r1 * T];
        const rowsHidden = rowsPerCall >= rows ? hidden : await this.sliceRows(hidden, r0, r1);
        const out = await this.sessions.headLoss.run({
          ...this.headWeights(),
          [HEAD_IO.hidden]: rowsHidden,
          [HEAD_IO.targets]: new ort.Tensor('int64', targets.subarray(from, to), [r1 - r0, T]),
          [LOSS_IO.targetWeights]: new ort.Tensor('float32', weights.subarray(from, to), [r1 - r0, T]),
        });
        if (rowsHidden !== hidden) free(rowsHidden);
        loss += hostData(out[LOSS_IO.loss])[0];
        const norm = this.byName.get(FINAL_NORM);
        if (norm) await this.addGradient(norm, out[LOSS_IO.gradNormWeight]);
        const head = this.byName.get(headName);
        if (head) await this.addGradient(head, out[LOSS_IO.gradHeadWeight]);
        pieces.push(out[LOSS_IO.gradHidden] as DeviceTensor);
      }
      if (pieces.length === 1) return { loss, gradHidden: pieces.pop()! };
      const concat = await this.device.cached(`concat-rows-${pieces.length}`, () => concatRowsGraph(pieces.length), 'device');
      return { loss, gradHidden: (await concat.run(Object.fromEntries(pieces.map((p, i) => [`x${i}`, p])))).batch as DeviceTensor };
    } finally {
      free(...pieces);
    }
  }

  private async sliceRows(x: DeviceTensor, start: number, end: number): Promise<DeviceTensor> {
    const session = await this.device.cached('slice-rows', sliceRowsGraph, 'device');
    const bound = (n: number) => new ort.Tensor('int64', BigInt64Array.of(BigInt(n)), [1]);
    return (await session.run({ x, start: bound(start), end: bound(end) })).rows as DeviceTensor;
  }

  /** Layout (a): adds on the GPU into this step's gradient. Layout (b): the gradient came down; add into the host's. */
  private async addGradient(t: TrainedTensor, fresh: Feed): Promise<void> {
    if (this.options.layout !== 'device') {
      addInto(t.parameter.grad, hostData(fresh));
      return;
    }
    const freshOnDevice = fresh as DeviceTensor;
    if (!t.grad) {
      t.grad = freshOnDevice;
      return;
    }
    const add = await this.device.cached(`add-${t.parameter.shape.length}`, () => addGraph(t.parameter.shape.length), 'device');
    const sum = (await add.run({ a: t.grad, b: freshOnDevice })).sum as DeviceTensor;
    free(t.grad, freshOnDevice);
    t.grad = sum;
  }

  /** dE from the gradient that reaches the embedding: a scatter-add on the GPU (a), on the host after it came down (b). */
  private async addEmbeddingGradient(t: TrainedTensor, batch: PaddedBatch, keyMask: DeviceTensor, grad: DeviceTensor): Promise<void> {
    const m = this.description;
    if (this.options.layout !== 'device') {
      const gradHidden = await this.device.download(grad);
      accumulateEmbeddingGrad(t.parameter.grad, batch.tokenIds.data as BigInt64Array, batch.tokenMask.data as Uint8Array, gradHidden, m.hiddenSize);
      return;
    }
    const session = await this.device.cached('embedding-grad', () => embeddingGradGraph(m), 'device');
    const accumulated = t.grad ?? (await this.device.zeros(t.parameter.shape, 'float32'));
    const out = await session.run({
      [EMBEDDING_GRAD_IO.accumulated]: accumulated,
      [EMBEDDING_GRAD_IO.tokenIds]: batch.tokenIds,
      [EMBEDDING_GRAD_IO.tokenMask]: keyMask,
      [EMBEDDING_GRAD_IO.gradHidden]: grad,
    });
    free(accumulated);
    t.grad = out[EMBEDDING_GRAD_IO.output] as DeviceTensor;
  }
}
