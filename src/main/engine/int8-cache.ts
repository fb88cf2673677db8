/**
 * The on-disk cache of quantised weights: a quick scan quantises a model once, and every later
 * quick scan of the same checkpoint reads the int8 weights back (1 byte per weight instead of
 * reading, widening and quantising the stored 2 or 4).
 *
 * <root>/<key>/
 *   manifest.json   format, version, key, scheme, the model's shape, the table of tensors
 *   weights.bin     per tensor: q (int8 [K, N]), padded to 4 bytes, then the scales (fp32 [N])
 *
 * Where: `<data folder>/weight-cache` (the app's data folder; SLAYER_HOME or
 * ~/.config/slayer-studio for the command line, or --weight-cache DIR), one entry per model, shared by
 * every project that uses it.
 * Key: a hash of what the quantised values depend on: the quantisation scheme and format
 * version, the model's shape, and each weight file's resolved path, size and modification time
 * plus the table of tensors (name, dtype, shape, byte range). A rewritten or replaced checkpoint
 * therefore gets a new key; the old entry is never read again and ages out.
 * Bounded: at most MAX_ENTRIES entries and MAX_BYTES in all, least recently used removed first
 * (a hit touches the manifest's time); no entry is written when the disk would keep less than
 * MIN_FREE_BYTES free. Built under a temporary name and renamed when complete (a cancelled or
 * failed build leaves nothing); an entry that does not read back whole counts as absent.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, realpath, rename, rm, stat, statfs, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelDescription } from '../../shared/model.js';
import { formatBytes } from '../../shared/units.js';
import { tempPathFor, TEMP_PREFIX, writeJsonAtomic } from '../fs/atomic.js';
import type { TensorEntry } from '../model/folder.js';
import { WEIGHT_LEVELS, type QuantisedMatrix } from './quantise.js';

export const INT8_CACHE_FORMAT = 'slayer-int8-weights';
/** Bumped when the file layout or the quantisation changes: older entries are then not read. */
export const INT8_CACHE_VERSION = 1;
export const MAX_ENTRIES = 3;
export const MAX_BYTES = 64 * 2 ** 30;
export const MIN_FREE_BYTES = 2 * 2 ** 30;
const MANIFEST_FILE = 'manifest.json';
const WEIGHTS_FILE = 'weights.bin';
/** A temporary build folder this old belongs to a build that crashed. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/** What the cache key is computed from: a model folder's description, files and tensor table. */
export interface FingerprintSource {
  description: ModelDescription;
  files: readonly string[];
  tensors: ReadonlyMap<string, TensorEntry>;
}

export async function int8CacheKey(model: FingerprintSource): Promise<string> {
  const files = await Promise.all(
    [...model.files].sort().map(async (file) => {
      const real = await realpath(file);
      const info = await stat(real);
      return { file: real, bytes: info.size, modified: info.mtimeMs };
    }),
  );
  const tensors = [...model.tensors.values()].map((t) => [t.name, t.dtype, t.shape, t.byteRange]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return createHash('sha256')
    .update(
      JSON.stringify({ format: INT8_CACHE_FORMAT, version: INT8_CACHE_VERSION, weightLevels: WEIGHT_LEVELS, description: model.description, files, tensors }),
    )
    .digest('hex')
    .slice(0, 32);
}

interface TensorRecord {
  name: string;
  /** Byte offset of q in weights.bin; the scales follow at scalesOffset. */
  offset: number;
  scalesOffset: number;
  rows: number;
  columns: number;
}

interface Manifest {
  format: typeof INT8_CACHE_FORMAT;
  version: number;
  key: string;
  weightLevels: number;
  model: { dir: string; layers: number; hiddenSize: number; vocabSize: number };
  bytes: number;
  tensors: TensorRecord[];
}

/** Bytes one quantised matrix takes in weights.bin. */
export function entryBytes(rows: number, columns: number): number {
  return align(rows * columns, 4) + 4 * columns;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** A complete entry opened for reading. */
export class Int8CacheEntry {
  private constructor(
    readonly dir: string,
    private readonly file: FileHandle,
    private readonly table: ReadonlyMap<string, TensorRecord>,
  ) {}

  /** The entry for `key` under `root`, or null when there is none, or it is incomplete or from another version. */
  static async open(root: string, key: string): Promise<Int8CacheEntry | null> {
    const dir = join(root, key);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    } catch {
      return null;
    }
    if (manifest.format !== INT8_CACHE_FORMAT || manifest.version !== INT8_CACHE_VERSION || manifest.key !== key || manifest.weightLevels !== WEIGHT_LEVELS)
      return null;
    const size = await stat(join(dir, WEIGHTS_FILE)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== manifest.bytes) return null;
    const now = new Date();
    await utimes(join(dir, MANIFEST_FILE), now, now).catch(() => {}); // least recently used goes first
    return new Int8CacheEntry(dir, await open(join(dir, WEIGHTS_FILE), 'r'), new Map(manifest.tensors.map((t) => [t.name, t])));
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  async read(name: string): Promise<QuantisedMatrix> {
    const t = this.table.get(name);
    if (!t) throw new Error(`The int8 weight cache ${this.dir} holds no tensor "${name}"`);
    const values = new Int8Array(t.rows * t.columns);
    const scales = new Float32Array(t.columns);
    await readExactly(this.file, new Uint8Array(values.buffer), t.offset);
    await readExactly(this.file, new Uint8Array(scales.buffer), t.scalesOffset);
    return { values, scales, rows: t.rows, columns: t.columns };
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

async function readExactly(file: FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < into.byteLength;) {
    const { bytesRead } = await file.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) throw new Error('The int8 weight cache ended early');
    done += bytesRead;
  }
}

/** Why a build was not kept: shown to the user as a note, the scan itself goes on. */
export type CacheSkip = { reason: string };

/**
 * Writes one entry as its tensors are quantised: `add` appends, `commit` renames the finished
 * folder into place, `abort` removes it. Make one with `begin`, which returns a reason instead
 * when the entry should not be written (no room).
 */
export class Int8CacheWriter {
  private offset = 0;
  private readonly tensors: TensorRecord[] = [];

  private constructor(
    private readonly root: string,
    private readonly key: string,
    private readonly tmp: string,
    private readonly file: FileHandle,
    private readonly expectedBytes: number,
  ) {}

  static async begin(root: string, key: string, expectedBytes: number, probe: typeof statfs = statfs): Promise<Int8CacheWriter | CacheSkip> {
    await mkdir(root, { recursive: true });
    // Reached only when the entry for `key` did not open: whatever is there is incomplete or outdated.
    await rm(join(root, key), { recursive: true, force: true });
    await sweep(root, expectedBytes);
    const fs = await probe(root);
    const free = Number(fs.bavail) * Number(fs.bsize);
    if (free - expectedBytes < MIN_FREE_BYTES) {
      return {
        reason: `not cached: ${formatBytes(expectedBytes)} of int8 weights would leave less than ${formatBytes(MIN_FREE_BYTES)} free on the disk of ${root}`,
      };
    }
    if (expectedBytes > MAX_BYTES)
      return { reason: `not cached: ${formatBytes(expectedBytes)} of int8 weights is more than the cache keeps (${formatBytes(MAX_BYTES)})` };
    const tmp = tempPathFor(join(root, key));
    await mkdir(tmp);
    try {
      return new Int8CacheWriter(root, key, tmp, await open(join(tmp, WEIGHTS_FILE), 'w'), expectedBytes);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  async add(name: string, m: QuantisedMatrix): Promise<void> {
    const valuesBytes = new Uint8Array(m.values.buffer, m.values.byteOffset, m.values.byteLength);
    const padded = align(valuesBytes.byteLength, 4);
    await this.file.write(valuesBytes, 0, valuesBytes.byteLength, this.offset);
    if (padded > valuesBytes.byteLength)
      await this.file.write(new Uint8Array(padded - valuesBytes.byteLength), 0, padded - valuesBytes.byteLength, this.offset + valuesBytes.byteLength);
    const scalesOffset = this.offset + padded;
    await this.file.write(new Uint8Array(m.scales.buffer, m.scales.byteOffset, m.scales.byteLength), 0, m.scales.byteLength, scalesOffset);
    this.tensors.push({ name, offset: this.offset, scalesOffset, rows: m.rows, columns: m.columns });
    this.offset = scalesOffset + m.scales.byteLength;
  }

  /** Finishes the entry; returns its folder. */
  async commit(model: { dir: string; description: ModelDescription }): Promise<string> {
    if (this.offset !== this.expectedBytes) throw new Error(`int8 cache: wrote ${this.offset} bytes, expected ${this.expectedBytes}`);
    await this.file.sync();
    await this.file.close();
    const m = model.description;
    const manifest: Manifest = {
      format: INT8_CACHE_FORMAT,
      version: INT8_CACHE_VERSION,
      key: this.key,
      weightLevels: WEIGHT_LEVELS,
      model: { dir: model.dir, layers: m.layers, hiddenSize: m.hiddenSize, vocabSize: m.vocabSize },
      bytes: this.offset,
      tensors: this.tensors,
    };
    await writeJsonAtomic(join(this.tmp, MANIFEST_FILE), manifest);
    const target = join(this.root, this.key);
    // An entry another job finished meanwhile is the same bytes: keep it and drop ours.
    await rename(this.tmp, target).catch(async () => rm(this.tmp, { recursive: true, force: true }));
    return target;
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => {});
    await rm(this.tmp, { recursive: true, force: true });
  }
}

/**
 * Makes room for an entry of `incomingBytes`: removes crashed builds, then the least recently
 * used entries until at most MAX_ENTRIES - 1 remain and the total leaves room within MAX_BYTES.
 */
async function sweep(root: string, incomingBytes: number): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  const entries: { path: string; used: number; bytes: number }[] = [];
  for (const name of names) {
    const path = join(root, name);
    if (name.startsWith(TEMP_PREFIX)) {
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > STALE_TEMP_MS) await rm(path, { recursive: true, force: true });
      continue;
    }
    const manifest = await stat(join(path, MANIFEST_FILE)).catch(() => null);
    const weights = await stat(join(path, WEIGHTS_FILE)).catch(() => null);
    entries.push({ path, used: manifest?.mtimeMs ?? 0, bytes: weights?.size ?? 0 });
  }
  entries.sort((a, b) => a.used - b.used);
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  while (entries.length > 0 && (entries.length >= MAX_ENTRIES || total + incomingBytes > MAX_BYTES)) {
    const oldest = entries.shift()!;
    await rm(oldest.path, { recursive: true, force: true });
    total -= oldest.bytes;
  }
}
