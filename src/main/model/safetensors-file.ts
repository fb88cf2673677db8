/**
 * One .safetensors file, opened for reading one tensor at a time by offset. Only the header is
 * read up front; a tensor's bytes are read with positional reads when asked for, so a 16 GB
 * checkpoint never sits in memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../../shared/errors.js';
import { decodeFloats, isFloatDtype } from './dtypes.js';
import { headerLength, parseHeader, type SafetensorsTensorInfo } from './safetensors-header.js';

/** One read() call moves at most this much: the OS caps single reads near 2 GiB. */
const MAX_READ_BYTES = 1 << 30;

export class SafetensorsFile {
  private constructor(
    readonly path: string,
    readonly size: number,
    readonly dataStart: number,
    readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<SafetensorsFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UserError(`${path} does not exist. Re-download or re-export the model.`);
      throw new UserError(`Cannot open ${path} (${code ?? (e as Error).message}). Check that it is a readable file.`);
    }
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(8);
      await readFully(handle, prefix.subarray(0, Math.min(8, size)), 0, path); // a shorter file fails the next check
      const n = headerLength(prefix, size, path);
      const json = new Uint8Array(n);
      await readFully(handle, json, 8, path);
      const header = parseHeader(json, size, path);
      const tensors = new Map(header.tensors.map((t) => [t.name, t]));
      return new SafetensorsFile(path, size, header.dataStart, tensors, header.metadata, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** The tensor's bytes exactly as stored, in a fresh buffer of its own. */
  async readBytes(name: string): Promise<Buffer> {
    const t = this.info(name);
    // Unpooled, so the bytes start at offset 0 of their own ArrayBuffer and F32 decodes without a copy.
    const bytes = Buffer.allocUnsafeSlow(t.end - t.begin);
    await readFully(this.handle, bytes, this.dataStart + t.begin, this.path);
    return bytes;
  }

  /** A float tensor (F32, F16 or BF16) as fp32. */
  async readFloat32(name: string): Promise<Float32Array> {
    const t = this.info(name);
    if (!isFloatDtype(t.dtype)) {
      throw new UserError(
        `${this.path}: tensor "${name}" is stored as ${t.dtype}; only F32, F16 and BF16 weights can be used (quantized checkpoints are not supported).`,
      );
    }
    return decodeFloats(t.dtype, await this.readBytes(name));
  }

  info(name: string): SafetensorsTensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new UserError(`${this.path} has no tensor named "${name}".`);
    return t;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const length = Math.min(into.byteLength - done, MAX_READ_BYTES);
    const { bytesRead } = await handle.read(into, done, length, position + done);
    if (bytesRead === 0) {
      throw new UserError(`${path} ended early while reading (the file shrank or is truncated). Re-download or re-export the model.`);
    }
    done += bytesRead;
  }
}
