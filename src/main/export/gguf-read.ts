/**
 * GGUF reader: the header (metadata and tensor index) is parsed up front, tensor data is read
 * one tensor at a time by offset. Our own exports are verified with it, and it reads any
 * unquantized (F32/F16/BF16) GGUF version 2 or 3 file; quantized tensors are listed but cannot
 * be read as floats. Every malformed-file case is one plain line naming the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../../shared/errors.js';
import { decodeFloats } from '../model/dtypes.js';
import {
  alignmentOf,
  alignUp,
  ggmlTypeOfCode,
  GGUF_MAGIC,
  SCALAR_BYTES,
  VALUE_TYPE_CODES,
  type GgufScalar,
  type GgufScalarType,
  type GgufTensorInfo,
  type GgufValue,
} from './gguf-format.js';
import { tensorBytes } from './gguf-write.js';

const TYPE_OF_CODE = new Map<number, keyof typeof VALUE_TYPE_CODES>(
  Object.entries(VALUE_TYPE_CODES).map(([name, code]) => [code, name as keyof typeof VALUE_TYPE_CODES]),
);
const FIRST_READ_BYTES = 1 << 20;
const MAX_READ_BYTES = 1 << 30;
const MAX_DIMS = 4;

/** Thrown while parsing a prefix of the file that ends inside the header: read more and retry. */
class HeaderContinues extends Error {}

/** Sequential little-endian reads over a prefix of the file. */
class Cursor {
  pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly fileSize: number,
    private readonly path: string,
  ) {}

  private take(n: number): number {
    if (this.pos + n > this.fileSize)
      throw new UserError(`${this.path} ends inside its GGUF header: the file is truncated or not a GGUF file. Export it again.`);
    if (this.pos + n > this.buf.byteLength) throw new HeaderContinues();
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u32(): number {
    return this.buf.readUInt32LE(this.take(4));
  }

  /** u64 as a JavaScript number; anything beyond 2^53 cannot describe a real file here. */
  u64(): number {
    const at = this.take(8);
    const high = this.buf.readUInt32LE(at + 4);
    if (high >= 2 ** 21) throw new UserError(`${this.path} has a size or count beyond 2^53, which no valid file has; the file is damaged.`);
    return high * 2 ** 32 + this.buf.readUInt32LE(at);
  }

  string(): string {
    const n = this.u64();
    const at = this.take(n);
    return this.buf.toString('utf8', at, at + n);
  }

  scalar(type: GgufScalarType): GgufScalar {
    if (type === 'string') return this.string();
    const at = this.take(SCALAR_BYTES[type]);
    const b = this.buf;
    switch (type) {
      case 'u8':
        return b.readUInt8(at);
      case 'i8':
        return b.readInt8(at);
      case 'u16':
        return b.readUInt16LE(at);
      case 'i16':
        return b.readInt16LE(at);
      case 'u32':
        return b.readUInt32LE(at);
      case 'i32':
        return b.readInt32LE(at);
      case 'f32':
        return b.readFloatLE(at);
      case 'bool':
        return b.readUInt8(at) !== 0;
      case 'u64':
        return b.readUInt32LE(at + 4) * 2 ** 32 + b.readUInt32LE(at);
      case 'i64':
        return Number(b.readBigInt64LE(at));
      case 'f64':
        return b.readDoubleLE(at);
    }
  }

  valueType(key: string): keyof typeof VALUE_TYPE_CODES {
    const code = this.u32();
    const type = TYPE_OF_CODE.get(code);
    if (!type) throw new UserError(`${this.path}: metadata "${key}" has unknown value type ${code}; the file is damaged or from a newer GGUF version.`);
    return type;
  }

  value(key: string): GgufValue {
    const type = this.valueType(key);
    if (type !== 'array') return { type, value: this.scalar(type) };
    const itemType = this.valueType(key);
    if (itemType === 'array') throw new UserError(`${this.path}: metadata "${key}" is an array of arrays, which this reader does not support.`);
    const count = this.u64();
    // Every item takes at least one byte: a count beyond the file size is damage, not a long loop.
    if (count > this.fileSize) throw new UserError(`${this.path}: metadata "${key}" claims ${count} items, more than the file can hold; the file is damaged.`);
    const items: GgufScalar[] = [];
    for (let i = 0; i < count; i++) items.push(this.scalar(itemType));
    return { type: 'array', itemType, items };
  }
}

interface Header {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  headerBytes: number;
}

function parseHeader(buf: Buffer, fileSize: number, path: string): Header {
  const c = new Cursor(buf, fileSize, path);
  const magic = [0, 1, 2, 3].map(() => String.fromCharCode(c.scalar('u8') as number)).join('');
  if (magic !== GGUF_MAGIC) throw new UserError(`${path} is not a GGUF file (it does not start with "GGUF").`);
  const version = c.u32();
  if (version !== 2 && version !== 3)
    throw new UserError(`${path} is GGUF version ${version}; only versions 2 and 3 can be read. Convert it with a current llama.cpp.`);
  const tensorCount = c.u64();
  const kvCount = c.u64();
  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string();
    if (metadata.has(key)) throw new UserError(`${path}: metadata key "${key}" appears twice; the file is damaged.`);
    metadata.set(key, c.value(key));
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string();
    const nDims = c.u32();
    if (nDims < 1 || nDims > MAX_DIMS) throw new UserError(`${path}: tensor "${name}" has ${nDims} dimensions; GGUF allows 1 to ${MAX_DIMS}.`);
    const dims = Array.from({ length: nDims }, () => c.u64());
    const code = c.u32();
    const type = ggmlTypeOfCode(code);
    if (!type) throw new UserError(`${path}: tensor "${name}" is stored as ggml type ${code} (quantized); only F32, F16 and BF16 tensors can be read.`);
    tensors.push({ name, dims, type, offset: c.u64() });
  }
  return { version, metadata, tensors, headerBytes: c.pos };
}

export class GgufFile {
  private constructor(
    readonly path: string,
    readonly version: number,
    readonly metadata: ReadonlyMap<string, GgufValue>,
    readonly tensors: ReadonlyMap<string, GgufTensorInfo>,
    readonly dataStart: number,
    readonly alignment: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<GgufFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UserError(code === 'ENOENT' ? `${path} does not exist.` : `Cannot open ${path} (${code ?? (e as Error).message}).`);
    }
    try {
      const { size } = await handle.stat();
      const header = await readHeader(handle, size, path);
      const alignment = alignmentOf(header.metadata);
      const dataStart = alignUp(header.headerBytes, alignment);
      const tensors = new Map<string, GgufTensorInfo>();
      for (const t of header.tensors) {
        if (tensors.has(t.name)) throw new UserError(`${path}: tensor "${t.name}" appears twice; the file is damaged.`);
        if (t.offset % alignment !== 0)
          throw new UserError(`${path}: tensor "${t.name}" starts at offset ${t.offset}, not a multiple of the alignment ${alignment}; the file is damaged.`);
        if (dataStart + t.offset + tensorBytes(t) > size)
          throw new UserError(`${path}: tensor "${t.name}" extends past the end of the file; the file is truncated. Export it again.`);
        tensors.set(t.name, t);
      }
      return new GgufFile(path, header.version, header.metadata, tensors, dataStart, alignment, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  info(name: string): GgufTensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new UserError(`${this.path} has no tensor named "${name}".`);
    return t;
  }

  /** The tensor's bytes exactly as stored, in a fresh buffer of its own. */
  async readRaw(name: string): Promise<Buffer> {
    const t = this.info(name);
    const bytes = Buffer.allocUnsafeSlow(tensorBytes(t));
    await readFully(this.handle, bytes, this.dataStart + t.offset, this.path);
    return bytes;
  }

  async readFloat32(name: string): Promise<Float32Array> {
    return decodeFloats(this.info(name).type, await this.readRaw(name));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Parses the header from a growing prefix of the file: the header's length is only known once parsed. */
async function readHeader(handle: FileHandle, size: number, path: string): Promise<Header> {
  for (let length = Math.min(FIRST_READ_BYTES, size); ; length = Math.min(length * 4, size)) {
    const prefix = Buffer.allocUnsafeSlow(length);
    await readFully(handle, prefix, 0, path);
    try {
      return parseHeader(prefix, size, path);
    } catch (e) {
      if (!(e instanceof HeaderContinues)) throw e;
    }
  }
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const length = Math.min(into.byteLength - done, MAX_READ_BYTES);
    const { bytesRead } = await handle.read(into, done, length, position + done);
    if (bytesRead === 0) throw new UserError(`${path} ended early while reading (it shrank while open). Export it again.`);
    done += bytesRead;
  }
}
