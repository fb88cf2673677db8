/**
 * Streaming GGUF writer. Metadata and every tensor's name, shape and type are declared up front,
 * so the header (with each tensor's aligned offset) is written first; tensor data then goes
 * straight to its final place, one tensor at a time, in any order. Nothing beyond the tensor
 * being written is held in memory. The writer writes the path it is given; the caller writes
 * to a temporary name and renames it when the file is complete (and verified).
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { DTYPE_BYTES, type FloatDtype } from '../model/dtypes.js';
import { elementCount } from '../model/tensors.js';
import {
  alignmentOf,
  alignUp,
  GGML_TYPE_CODES,
  GGUF_MAGIC,
  GGUF_VERSION,
  SCALAR_BYTES,
  VALUE_TYPE_CODES,
  type GgufScalar,
  type GgufScalarType,
  type GgufTensorInfo,
  type GgufValue,
} from './gguf-format.js';

export interface GgufTensorDeclaration {
  name: string;
  /** ne: innermost dimension first. */
  dims: number[];
  type: FloatDtype;
}

/** One write() call moves at most this much: the OS caps single writes near 2 GiB. */
const MAX_WRITE_BYTES = 1 << 30;

/** Little-endian byte builder for the header: one buffer, doubled when full (token lists hold 100k+ strings). */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  private length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.byteLength) {
      const grown = Buffer.alloc(Math.max(this.buf.byteLength * 2, this.length + n));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  fixed(type: Exclude<GgufScalarType, 'string'>, value: GgufScalar): void {
    const at = this.reserve(SCALAR_BYTES[type]);
    const b = this.buf;
    const n = value as number;
    switch (type) {
      case 'u8':
        b.writeUInt8(n, at);
        break;
      case 'i8':
        b.writeInt8(n, at);
        break;
      case 'u16':
        b.writeUInt16LE(n, at);
        break;
      case 'i16':
        b.writeInt16LE(n, at);
        break;
      case 'u32':
        b.writeUInt32LE(n, at);
        break;
      case 'i32':
        b.writeInt32LE(n, at);
        break;
      case 'f32':
        b.writeFloatLE(n, at);
        break;
      case 'bool':
        b.writeUInt8(value ? 1 : 0, at);
        break;
      case 'u64': // as two u32 halves: a BigInt per string length would dominate the time for large token lists
        b.writeUInt32LE(n % 2 ** 32, at);
        b.writeUInt32LE(Math.floor(n / 2 ** 32), at + 4);
        break;
      case 'i64':
        b.writeBigInt64LE(BigInt(n), at);
        break;
      case 'f64':
        b.writeDoubleLE(n, at);
        break;
    }
  }

  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.fixed('u64', n);
    const at = this.reserve(n); // before reading this.buf: reserving may replace it
    this.buf.write(s, at, 'utf8');
  }

  scalar(type: GgufScalarType, value: GgufScalar): void {
    if (type === 'string') this.string(value as string);
    else this.fixed(type, value);
  }

  value(v: GgufValue): void {
    this.fixed('u32', VALUE_TYPE_CODES[v.type]);
    if (v.type !== 'array') return this.scalar(v.type, v.value);
    this.fixed('u32', VALUE_TYPE_CODES[v.itemType]);
    this.fixed('u64', v.items.length);
    for (const item of v.items) this.scalar(v.itemType, item);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

export function tensorBytes(t: { dims: readonly number[]; type: FloatDtype }): number {
  return elementCount(t.dims) * DTYPE_BYTES[t.type];
}

/** Offsets of tensors packed in declaration order, each starting on an `alignment` boundary. */
export function layoutTensors(tensors: readonly GgufTensorDeclaration[], alignment: number): GgufTensorInfo[] {
  let offset = 0;
  return tensors.map((t) => {
    const info = { name: t.name, dims: [...t.dims], type: t.type, offset };
    offset = alignUp(offset + tensorBytes(t), alignment);
    return info;
  });
}

export function encodeGgufHeader(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorInfo[]): Buffer {
  const sink = new ByteSink();
  for (const c of Buffer.from(GGUF_MAGIC, 'ascii')) sink.fixed('u8', c);
  sink.fixed('u32', GGUF_VERSION);
  sink.fixed('u64', tensors.length);
  sink.fixed('u64', metadata.size);
  for (const [key, value] of metadata) {
    sink.string(key);
    sink.value(value);
  }
  for (const t of tensors) {
    sink.string(t.name);
    sink.fixed('u32', t.dims.length);
    for (const d of t.dims) sink.fixed('u64', d);
    sink.fixed('u32', GGML_TYPE_CODES[t.type]);
    sink.fixed('u64', t.offset);
  }
  return sink.bytes();
}

export class GgufWriter {
  private readonly pending: Set<string>;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly dataStart: number,
    private readonly infos: ReadonlyMap<string, GgufTensorInfo>,
  ) {
    this.pending = new Set(infos.keys());
  }

  static async create(path: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorDeclaration[]): Promise<GgufWriter> {
    const names = new Set<string>();
    for (const t of tensors) {
      if (names.has(t.name)) throw new Error(`Tensor "${t.name}" is declared twice.`);
      names.add(t.name);
    }
    const alignment = alignmentOf(metadata);
    const infos = layoutTensors(tensors, alignment);
    const header = encodeGgufHeader(metadata, infos);
    const handle = await open(path, 'w');
    const writer = new GgufWriter(path, handle, alignUp(header.byteLength, alignment), new Map(infos.map((t) => [t.name, t])));
    try {
      // The padding after the header and between tensors is never written: a hole in a file reads as zeros.
      await writer.writeAt(header, 0);
    } catch (e) {
      await writer.abort();
      throw e;
    }
    return writer;
  }

  /** Writes a declared tensor's bytes (already in its declared type, little-endian). */
  async writeTensor(name: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('The GGUF writer is already closed.');
    const info = this.infos.get(name);
    if (!info) throw new Error(`Tensor "${name}" was not declared when the GGUF file was created.`);
    if (!this.pending.has(name)) throw new Error(`Tensor "${name}" was already written.`);
    const expected = tensorBytes(info);
    if (bytes.byteLength !== expected)
      throw new Error(`Tensor "${name}" (${info.type} [${info.dims.join(', ')}]) needs ${expected} bytes, got ${bytes.byteLength}.`);
    this.pending.delete(name);
    await this.writeAt(bytes, this.dataStart + info.offset);
  }

  /** Checks every declared tensor was written, then flushes and closes the file. */
  async close(): Promise<void> {
    if (this.pending.size > 0) {
      const missing = [...this.pending];
      await this.abort();
      throw new Error(`GGUF file incomplete: ${missing.length} declared tensors were never written (first: "${missing[0]}").`);
    }
    this.closed = true;
    // fsync before the caller renames: otherwise a power loss can leave the final name on empty data.
    await this.handle.sync();
    await this.handle.close();
  }

  /** Closes and deletes the file. Safe to call more than once. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => {});
    }
    await rm(this.path, { force: true });
  }

  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const length = Math.min(bytes.byteLength - done, MAX_WRITE_BYTES);
      const { bytesWritten } = await this.handle.write(bytes, done, length, position + done);
      done += bytesWritten;
    }
  }
}
