/**
 * Streaming safetensors writer. The caller declares every tensor (name, dtype, shape) up front,
 * so the headers and the split into shards are known before any data exists; then tensors are
 * written one at a time, in any order, as they are produced, each straight to its final offset.
 * Nothing is ever held in memory beyond the tensor being written.
 *
 * Files are written under temporary names and renamed when finish() has seen every tensor;
 * abort() (or any failure) removes them, so a folder never holds a half-written checkpoint.
 * Layout and names follow Hugging Face: model.safetensors, or model-0000i-of-0000n.safetensors
 * plus model.safetensors.index.json when the tensors exceed the shard size.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor, writeJsonAtomic } from '../fs/atomic.js';
import { DTYPE_BYTES, encodeFloats, isFloatDtype, type SafetensorsDtype } from './dtypes.js';
import { encodeHeader, type SafetensorsTensorInfo } from './safetensors-header.js';
import { elementCount } from './tensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** One write() call moves at most this much: the OS caps single writes near 2 GiB. */
const MAX_WRITE_BYTES = 1 << 30;

export interface TensorDeclaration {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

export interface WriterOptions {
  /** Start a new shard before a tensor would push the current one past this many data bytes. */
  shardBytes?: number;
  /** Hugging Face loaders expect {"format": "pt"}, the default. */
  metadata?: Record<string, string>;
}

export interface WrittenCheckpoint {
  /** Final paths of the .safetensors files, in shard order. */
  files: string[];
  /** The index file, or null for a single-file checkpoint. */
  indexFile: string | null;
  /** Bytes of tensor data over all shards (the index's metadata.total_size). */
  totalBytes: number;
}

interface Shard {
  finalPath: string;
  tempPath: string;
  handle: FileHandle;
  dataStart: number;
  tensors: SafetensorsTensorInfo[];
}

/** Greedy split: tensors stay in declaration order; a tensor larger than the limit gets a shard to itself. */
export function planShards(tensors: readonly TensorDeclaration[], shardBytes = Infinity): SafetensorsTensorInfo[][] {
  const shards: SafetensorsTensorInfo[][] = [];
  let current: SafetensorsTensorInfo[] = [];
  let used = 0;
  for (const t of tensors) {
    const bytes = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
    if (current.length > 0 && used + bytes > shardBytes) {
      shards.push(current);
      current = [];
      used = 0;
    }
    current.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], begin: used, end: used + bytes });
    used += bytes;
  }
  shards.push(current);
  return shards;
}

export function shardFileName(index: number, count: number): string {
  if (count === 1) return SINGLE_FILE;
  const pad = (n: number) => String(n).padStart(5, '0');
  return `model-${pad(index + 1)}-of-${pad(count)}.safetensors`;
}

export class SafetensorsWriter {
  private readonly pending: Set<string>;
  private readonly location = new Map<string, { shard: Shard; info: SafetensorsTensorInfo }>();
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly shards: Shard[],
  ) {
    for (const shard of shards) for (const info of shard.tensors) this.location.set(info.name, { shard, info });
    this.pending = new Set(this.location.keys());
  }

  static async create(dir: string, tensors: readonly TensorDeclaration[], options: WriterOptions = {}): Promise<SafetensorsWriter> {
    const names = new Set<string>();
    for (const t of tensors) {
      if (names.has(t.name)) throw new Error(`Tensor "${t.name}" is declared twice.`);
      names.add(t.name);
    }
    const layout = planShards(tensors, options.shardBytes);
    const metadata = options.metadata ?? { format: 'pt' };
    const shards: Shard[] = [];
    try {
      for (let i = 0; i < layout.length; i++) {
        const finalPath = join(dir, shardFileName(i, layout.length));
        const tempPath = tempPathFor(finalPath);
        const handle = await open(tempPath, 'w');
        shards.push({ finalPath, tempPath, handle, dataStart: 0, tensors: layout[i] });
        const header = encodeHeader(layout[i], metadata);
        await writeFully(handle, header, 0);
        shards[i].dataStart = header.byteLength;
      }
    } catch (e) {
      await discard(shards);
      throw e;
    }
    return new SafetensorsWriter(dir, shards);
  }

  /** Writes a declared F32/F16/BF16 tensor from fp32 values, converting to its declared dtype. */
  async writeTensor(name: string, values: Float32Array): Promise<void> {
    const { info } = this.slot(name);
    if (!isFloatDtype(info.dtype)) throw new Error(`Tensor "${name}" is declared as ${info.dtype}; write it with writeRawTensor.`);
    if (values.length !== elementCount(info.shape)) {
      throw new Error(`Tensor "${name}" has ${values.length} values; its shape [${info.shape.join(', ')}] needs ${elementCount(info.shape)}.`);
    }
    await this.writeRawTensor(name, encodeFloats(info.dtype, values));
  }

  /** Writes a declared tensor from bytes already in its declared dtype (byte-identical copies). */
  async writeRawTensor(name: string, bytes: Uint8Array): Promise<void> {
    const { shard, info } = this.slot(name);
    if (bytes.byteLength !== info.end - info.begin) {
      throw new Error(`Tensor "${name}" (${info.dtype} [${info.shape.join(', ')}]) needs ${info.end - info.begin} bytes, got ${bytes.byteLength}.`);
    }
    this.pending.delete(name);
    try {
      await writeFully(shard.handle, bytes, shard.dataStart + info.begin);
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Checks every declared tensor was written, then moves the files into place (index last). */
  async finish(): Promise<WrittenCheckpoint> {
    if (this.pending.size > 0) {
      const missing = [...this.pending];
      await this.abort();
      throw new Error(`Checkpoint incomplete: ${missing.length} declared tensors were never written (first: "${missing[0]}").`);
    }
    this.closed = true;
    try {
      for (const shard of this.shards) {
        // fsync before rename: otherwise a power loss can leave the final name pointing at empty data.
        await shard.handle.sync();
        await shard.handle.close();
      }
      for (const shard of this.shards) await rename(shard.tempPath, shard.finalPath);
    } catch (e) {
      await discard(this.shards);
      throw e;
    }
    const totalBytes = this.shards.reduce((n, s) => n + s.tensors.reduce((m, t) => m + t.end - t.begin, 0), 0);
    const files = this.shards.map((s) => s.finalPath);
    let indexFile: string | null = null;
    if (this.shards.length > 1) {
      indexFile = join(this.dir, INDEX_FILE);
      const weightMap: Record<string, string> = {};
      for (const [name, { shard }] of [...this.location].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        weightMap[name] = shardFileName(this.shards.indexOf(shard), this.shards.length);
      }
      await writeJsonAtomic(indexFile, { metadata: { total_size: totalBytes }, weight_map: weightMap });
      // A leftover single file from an earlier write would be a second, stale copy of the weights.
      await rm(join(this.dir, SINGLE_FILE), { force: true });
    } else {
      // A leftover index would send readers to shards that are not this checkpoint.
      await rm(join(this.dir, INDEX_FILE), { force: true });
    }
    return { files, indexFile, totalBytes };
  }

  /** Closes and removes every temporary file. Safe to call more than once. */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await discard(this.shards);
  }

  private slot(name: string): { shard: Shard; info: SafetensorsTensorInfo } {
    if (this.closed) throw new Error('The checkpoint writer is already closed.');
    const slot = this.location.get(name);
    if (!slot) throw new Error(`Tensor "${name}" was not declared when the checkpoint was created.`);
    if (!this.pending.has(name)) throw new Error(`Tensor "${name}" was already written.`);
    return slot;
  }
}

async function discard(shards: Shard[]): Promise<void> {
  for (const shard of shards) {
    await shard.handle.close().catch(() => {});
    await rm(shard.tempPath, { force: true });
  }
}

async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const length = Math.min(bytes.byteLength - done, MAX_WRITE_BYTES);
    const { bytesWritten } = await handle.write(bytes, done, length, position + done);
    done += bytesWritten;
  }
}
