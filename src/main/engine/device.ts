/**
 * Tensors that live on the GPU, for the device-resident engines (device-forward-engine.ts,
 * device-training-engine.ts), on onnxruntime's WebGPU provider:
 *
 *   upload    an Identity graph whose output stays on the device: the host array crosses once;
 *   keep      sessions made with outputs on the device return tensors that later sessions take
 *             as inputs in place: activations, weights and optimizer state never leave it;
 *   download  an Identity (or Cast-to-float32) graph whose output is on the host.
 *
 * Reading `.data` of a device tensor aborts the whole process in onnxruntime-node (an uncaught
 * C++ exception), so device tensors have a type without `data`: results come back only through
 * `download` or sessions whose outputs are on the host. Every call goes through DeviceSession,
 * which books each host-side input and output in the transfer ledger, and turns a provider's
 * failure into one line that names the GPU and what to do.
 *
 * Device tensors are freed with `free` as soon as the engine is done with them; onnxruntime
 * keeps the freed buffers in its pool for the next tensor of that size.
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../shared/errors.js';
import { GraphBuilder, type BuiltModel, type Dim, type FloatType } from './onnx/graph-builder.js';
import { ONNX_DATA_TYPE, type ElementType } from './onnx/proto.js';
import { openProvider, reason, type ComputeProvider, type OutputPlacement } from './providers.js';
import { TransferLedger } from './transfer-ledger.js';

/** A tensor in GPU memory: feed it to sessions, download it, free it; never read it directly. */
export type DeviceTensor = Omit<ort.Tensor, 'data' | 'getData'> & { readonly location: 'gpu-buffer' };

/** A session input: a host tensor (uploaded by the call, and booked) or a device tensor. */
export type Feed = ort.Tensor | DeviceTensor;
/** A session's outputs: device tensors for those kept on the device, host tensors for the rest. */
export type Outputs = Record<string, Feed>;

const ELEMENT_BYTES: Record<string, number> = { float32: 4, float16: 2, int64: 8, bool: 1 };

export function tensorBytes(t: Feed): number {
  return t.dims.reduce((n, d) => n * d, 1) * (ELEMENT_BYTES[t.type] ?? 4);
}

export function isOnDevice(t: Feed): t is DeviceTensor {
  return t.location === 'gpu-buffer';
}

/** The host tensor behind a host-side output (never call on a device tensor). */
export function hostData(t: Feed): Float32Array {
  if (isOnDevice(t)) throw new Error('hostData: this tensor is on the GPU; download it');
  return t.data as Float32Array;
}

export function free(...tensors: (Feed | null | undefined)[]): void {
  for (const t of tensors) if (t && isOnDevice(t)) t.dispose();
}

/** A graph session on the GPU whose calls are booked in the ledger. */
export class DeviceSession {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly what: string,
    private readonly device: GpuDevice,
  ) {}

  async run(feeds: Record<string, Feed>): Promise<Outputs> {
    let up = 0;
    for (const t of Object.values(feeds)) if (!isOnDevice(t)) up += tensorBytes(t);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds as Record<string, ort.Tensor>);
    } catch (e) {
      throw this.device.failure(this.what, e);
    }
    let down = 0;
    for (const t of Object.values(out)) if (!isOnDevice(t as Feed)) down += tensorBytes(t as Feed);
    this.device.ledger.record(up, down);
    return out as Outputs;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export class GpuDevice {
  readonly ledger = new TransferLedger();
  private readonly sessions = new Map<string, DeviceSession>();
  private readonly opened: DeviceSession[] = [];
  private hostCast: ort.InferenceSession | null = null;

  private constructor(
    readonly provider: ComputeProvider,
    /** The CPU provider, for narrowing fp32 arrays to fp16 on the host before they cross. */
    private readonly cpu: ComputeProvider,
    /** The adapter's name, for messages. */
    readonly adapterName: string,
  ) {}

  static async open(threads: number | undefined, adapterName: string): Promise<GpuDevice> {
    const provider = await openProvider({ provider: 'webgpu', threads });
    const cpu = await openProvider({ provider: 'cpu', threads });
    return new GpuDevice(provider, cpu, adapterName);
  }

  /** A session for `model`; `what` names the graph in messages. */
  async session(model: BuiltModel, outputs: OutputPlacement, what: string): Promise<DeviceSession> {
    const session = new DeviceSession(await this.provider.createSession(model, outputs), what, this);
    this.opened.push(session);
    return session;
  }

  /** Copies a host array to the GPU (fp16 as its bit patterns in a Uint16Array). */
  async upload(values: Float32Array | Uint16Array | BigInt64Array | Uint8Array, dims: readonly number[], type: ElementType): Promise<DeviceTensor> {
    const session = await this.cached(`upload-${type}-${dims.length}`, () => identityGraph(type, dims.length, type), 'device');
    const tensor = new ort.Tensor(type, values, dims);
    return (await session.run({ x: tensor })).y as DeviceTensor;
  }

  /** Copies fp32 values to the GPU as `as`: fp16 ones are narrowed on the host first, so half the bytes cross. */
  async uploadFloats(values: Float32Array, dims: readonly number[], as: FloatType): Promise<DeviceTensor> {
    return as === 'float32' ? this.upload(values, dims, 'float32') : this.upload(await this.toHalf(values), dims, 'float16');
  }

  /** A float tensor's values on the host, as float32. */
  async download(t: DeviceTensor): Promise<Float32Array> {
    const type = t.type as ElementType;
    const session = await this.cached(`download-${type}-${t.dims.length}`, () => identityGraph(type, t.dims.length, 'float32'), 'host');
    return hostData((await session.run({ x: t as ort.Tensor })).y);
  }

  /** A tensor of zeros made on the device (only its shape crosses). */
  async zeros(dims: readonly number[], type: FloatType): Promise<DeviceTensor> {
    const session = await this.cached(`zeros-${type}-${dims.length}`, () => zerosGraph(type, dims.length), 'device');
    return (await session.run({ shape: new ort.Tensor('int64', BigInt64Array.from(dims.map(BigInt)), [dims.length]) })).y as DeviceTensor;
  }

  /** A session kept for the device's lifetime under `key`. */
  async cached(key: string, build: () => BuiltModel, outputs: OutputPlacement): Promise<DeviceSession> {
    let session = this.sessions.get(key);
    if (!session) {
      session = await this.session(build(), outputs, key);
      this.sessions.set(key, session);
    }
    return session;
  }

  /** One line for a GPU failure in the middle of a job. */
  failure(what: string, e: unknown): UserError {
    const why = reason(e);
    const memory = /out of memory|OOM|allocat|buffer size|exceeds/i.test(why);
    return new UserError(
      `The GPU (${this.adapterName}) failed while running ${what}: ${why}. ` +
        (memory ? 'It ran out of GPU memory: use fewer or shorter sequences, or run on the CPU (provider "cpu").' : 'Run on the CPU (provider "cpu") instead.'),
    );
  }

  async release(): Promise<void> {
    await Promise.all(this.opened.map((s) => s.release()));
    await this.hostCast?.release();
    this.opened.length = 0;
    this.sessions.clear();
  }

  private async toHalf(values: Float32Array): Promise<Uint16Array> {
    this.hostCast ??= await this.cpu.createSession(castGraph());
    const out = await this.hostCast.run({ x: new ort.Tensor('float32', values, [values.length]) });
    return out.y.data as Uint16Array;
  }
}

function dims(rank: number): Dim[] {
  return Array.from({ length: rank }, (_, i) => `d${i}`);
}

/** y = x, or x cast to `to`. */
function identityGraph(type: ElementType, rank: number, to: ElementType): BuiltModel {
  const g = new GraphBuilder(`identity-${type}-${to}`);
  const x = g.input('x', type, dims(rank));
  g.output('y', type === to ? g.op('Identity', [x]) : g.op('Cast', [x], { to: ONNX_DATA_TYPE[to] }), to, dims(rank));
  return g.build();
}

function zerosGraph(type: FloatType, rank: number): BuiltModel {
  const g = new GraphBuilder(`zeros-${type}`, undefined, { compute: type, weights: type });
  g.output('y', g.op('Expand', [g.constant(0), g.input('shape', 'int64', [rank])]), type, dims(rank));
  return g.build();
}

/** fp32 -> fp16 on the host (onnxruntime's Cast: round to nearest even, vectorised). */
function castGraph(): BuiltModel {
  const g = new GraphBuilder('to-half');
  g.output('y', g.op('Cast', [g.input('x', 'float32', ['n'])], { to: ONNX_DATA_TYPE.float16 }), 'float16', ['n']);
  return g.build();
}
