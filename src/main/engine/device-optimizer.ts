/**
 * The optimizer of layout (a), on the GPU beside the gradients: global-norm clipping and one
 * AdamW (or SGD) update per trained tensor as graphs (graphs/optimizer-update.ts), so that per
 * step only a few scalars go up (the learning rate and its corrections) and one float32 per
 * tensor comes down (its sum of squares, for the norm). Same maths, same checkpoint names
 * (exp_avg.NAME, exp_avg_sq.NAME) and the same update count as the host's AdamW
 * (src/main/train/adamw.ts), so a run can stop on the GPU and resume on the CPU, and back.
 *
 * The moments live on the GPU; host copies exist for checkpoints only and are filled by
 * `pull` (before a checkpoint is written) and sent back by `push` (after one is restored).
 */
import type { OptimizerName } from '../../shared/training.js';
import { free, hostData, type DeviceTensor, type GpuDevice } from './device.js';
import { UPDATE_IO, adamwUpdateGraph, sgdUpdateGraph, sumOfSquaresGraph } from './graphs/optimizer-update.js';
import type { Parameter } from './training-engine.js';

export interface DeviceOptimizerSettings {
  optimizer: OptimizerName;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Which tensors weight decay applies to, as the host's optimizers decide (matrices only). */
  decays: (p: Parameter) => boolean;
}

/** A trained tensor on the GPU: its fp32 master and the gradient accumulated this step (null before the first micro-batch). */
export interface TrainedTensor {
  parameter: Parameter;
  value: DeviceTensor;
  grad: DeviceTensor | null;
}

/** A checkpointed tensor: the host array that pull() fills and push() sends. */
export interface StateTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export class DeviceOptimizer {
  updates = 0;
  private clipScale = 1;
  /** AdamW's moments per trained tensor, on the GPU and their host copies; empty for SGD. */
  private readonly moments: { m: DeviceTensor; v: DeviceTensor; hostM: Float32Array; hostV: Float32Array }[] = [];

  private constructor(
    private readonly device: GpuDevice,
    private readonly trained: readonly TrainedTensor[],
    private readonly settings: DeviceOptimizerSettings,
  ) {}

  static async create(device: GpuDevice, trained: readonly TrainedTensor[], settings: DeviceOptimizerSettings): Promise<DeviceOptimizer> {
    const optimizer = new DeviceOptimizer(device, trained, settings);
    if (settings.optimizer === 'adamw') {
      for (const t of trained) {
        const n = t.parameter.value.length;
        optimizer.moments.push({
          m: await device.zeros(t.parameter.shape, 'float32'),
          v: await device.zeros(t.parameter.shape, 'float32'),
          hostM: new Float32Array(n),
          hostV: new Float32Array(n),
        });
      }
    }
    return optimizer;
  }

  get name(): OptimizerName {
    return this.settings.optimizer;
  }

  /** The global gradient norm before clipping; the next update scales the gradients to maxNorm when above it (0: off). */
  async clip(maxNorm: number): Promise<number> {
    let sum = 0;
    for (const t of this.trained) {
      if (!t.grad) continue;
      const session = await this.device.cached(`sum-of-squares-${t.grad.dims.length}`, () => sumOfSquaresGraph(t.grad!.dims.length), 'host');
      sum += hostData((await session.run({ x: t.grad })).sum)[0];
    }
    const norm = Math.sqrt(sum);
    const scale = maxNorm / (norm + 1e-6);
    this.clipScale = maxNorm > 0 && scale < 1 ? scale : 1;
    return norm;
  }

  async step(lr: number): Promise<void> {
    const { beta1, beta2, weightDecay } = this.settings;
    const t = ++this.updates;
    const scalars = {
      clipScale: await this.scalar(this.clipScale),
      keepDecayed: await this.scalar(1 - lr * weightDecay),
      keepOther: await this.scalar(1),
      lr: await this.scalar(lr),
      stepSize: await this.scalar(lr / (1 - beta1 ** t)),
      secondCorrection: await this.scalar(Math.sqrt(1 - beta2 ** t)),
    };
    try {
      for (const [k, tensor] of this.trained.entries()) {
        const rank = tensor.parameter.shape.length;
        const grad = tensor.grad ?? (await this.device.zeros(tensor.parameter.shape, 'float32'));
        const common = {
          [UPDATE_IO.weight]: tensor.value,
          [UPDATE_IO.grad]: grad,
          [UPDATE_IO.clipScale]: scalars.clipScale,
          [UPDATE_IO.keep]: this.settings.decays(tensor.parameter) ? scalars.keepDecayed : scalars.keepOther,
        };
        if (this.settings.optimizer === 'adamw') {
          const state = this.moments[k];
          const session = await this.device.cached(`adamw-${rank}`, () => adamwUpdateGraph(rank, this.settings), 'device');
          const out = await session.run({
            ...common,
            [UPDATE_IO.firstMoment]: state.m,
            [UPDATE_IO.secondMoment]: state.v,
            [UPDATE_IO.stepSize]: scalars.stepSize,
            [UPDATE_IO.secondCorrection]: scalars.secondCorrection,
          });
          free(state.m, state.v);
          state.m = out[UPDATE_IO.newFirstMoment] as DeviceTensor;
          state.v = out[UPDATE_IO.newSecondMoment] as DeviceTensor;
          this.replaceValue(tensor, out[UPDATE_IO.newWeight] as DeviceTensor);
        } else {
          const session = await this.device.cached(`sgd-${rank}`, () => sgdUpdateGraph(rank), 'device');
          const out = await session.run({ ...common, [UPDATE_IO.lr]: scalars.lr });
          this.replaceValue(tensor, out[UPDATE_IO.newWeight] as DeviceTensor);
        }
        if (!tensor.grad) free(grad);
      }
    } finally {
      free(...Object.values(scalars));
      this.clipScale = 1;
    }
  }

  /** The host copies of the state, named as the host's AdamW names them (valid after `pull`). */
  stateTensors(): StateTensor[] {
    return this.moments.flatMap((state, k) => {
      const p = this.trained[k].parameter;
      return [
        { name: `${UPDATE_IO.firstMoment}.${p.name}`, shape: p.shape, data: state.hostM },
        { name: `${UPDATE_IO.secondMoment}.${p.name}`, shape: p.shape, data: state.hostV },
      ];
    });
  }

  /** Takes a checkpoint's state into the host copies; `push` sends it to the GPU. */
  restore(updates: number, tensors: ReadonlyMap<string, Float32Array>): void {
    this.updates = updates;
    for (const t of this.stateTensors()) t.data.set(tensors.get(t.name)!);
  }

  async pull(): Promise<void> {
    for (const state of this.moments) {
      state.hostM.set(await this.device.download(state.m));
      state.hostV.set(await this.device.download(state.v));
    }
  }

  async push(): Promise<void> {
    for (const [k, state] of this.moments.entries()) {
      const shape = this.trained[k].parameter.shape;
      free(state.m, state.v);
      state.m = await this.device.upload(state.hostM, shape, 'float32');
      state.v = await this.device.upload(state.hostV, shape, 'float32');
    }
  }

  free(): void {
    for (const state of this.moments) free(state.m, state.v);
  }

  private replaceValue(tensor: TrainedTensor, value: DeviceTensor): void {
    free(tensor.value);
    tensor.value = value;
  }

  private scalar(x: number): Promise<DeviceTensor> {
    return this.device.upload(Float32Array.of(x), [], 'float32');
  }
}
