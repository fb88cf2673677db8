/**
 * Safetensors: the streaming writer and the reader, checked against the file format itself
 * (headers parsed by hand here), byte-exact round trips and copies, sharding with an index, and
 * one clear line for every kind of corrupt or truncated file.
 */
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../../src/shared/errors.js';
import { SafetensorsFolder } from '../../../src/main/model/safetensors-folder.js';
import { decodeFloats, DTYPE_BYTES } from '../../../src/main/model/dtypes.js';
import { SafetensorsFile } from '../../../src/main/model/safetensors-file.js';
import { SafetensorsWriter, type TensorDeclaration } from '../../../src/main/model/safetensors-writer.js';

let root: string;
let counter = 0;
const freshDir = async () => mkdtemp(join(root, `case${counter++}-`));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'slayer-safetensors-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const byteSize = (t: TensorDeclaration) => count(t.shape) * DTYPE_BYTES[t.dtype];

/** Splits a file into its length field, JSON header and data, by the format's definition. */
function parseByHand(file: Buffer): { headerLength: number; header: Record<string, any>; data: Buffer } {
  const headerLength = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  return { headerLength, header, data: file.subarray(8 + headerLength) };
}

/** A safetensors file assembled byte by byte, for corrupt-input cases. */
function handMade(header: unknown, data: Uint8Array, headerLength?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(headerLength ?? BigInt(json.length));
  return Buffer.concat([prefix, json, data]);
}

const declarations: TensorDeclaration[] = [
  { name: 'a.f32', dtype: 'F32', shape: [3, 5] },
  { name: 'b.f16', dtype: 'F16', shape: [7] },
  { name: 'c.bf16', dtype: 'BF16', shape: [2, 3, 4] },
  { name: 'd.i64', dtype: 'I64', shape: [4] },
  { name: 'e.u8', dtype: 'U8', shape: [5] },
  { name: 'f.empty', dtype: 'F32', shape: [0, 3] },
  { name: 'g.scalar', dtype: 'F32', shape: [] },
];
const payload = new Map(declarations.map((t, i) => [t.name, pseudoRandomBytes(byteSize(t), i + 1)]));

async function writeAll(dir: string, tensors: TensorDeclaration[], bytes: Map<string, Uint8Array>, shardBytes?: number) {
  const writer = await SafetensorsWriter.create(dir, tensors, { shardBytes });
  // Out of declaration order on purpose: each tensor goes straight to its own offset.
  for (const t of [...tensors].reverse()) await writer.writeRawTensor(t.name, bytes.get(t.name) as Uint8Array);
  return writer.finish();
}

describe('writer -> reader', () => {
  it('writes a header padded to 8 bytes, tensors tiled in declaration order, and reads them back byte-exact', async () => {
    const dir = await freshDir();
    const written = await writeAll(dir, declarations, payload);
    expect(written.indexFile).toBeNull();
    expect(written.files).toEqual([join(dir, 'model.safetensors')]);
    expect(await readdir(dir)).toEqual(['model.safetensors']);

    const file = await readFile(written.files[0]);
    const { headerLength, header, data } = parseByHand(file);
    expect((8 + headerLength) % 8).toBe(0);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    let offset = 0;
    for (const t of declarations) {
      expect(header[t.name]).toEqual({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + byteSize(t)] });
      expect(Buffer.compare(data.subarray(offset, offset + byteSize(t)), Buffer.from(payload.get(t.name) as Uint8Array))).toBe(0);
      offset += byteSize(t);
    }
    expect(data.length).toBe(offset);
    expect(written.totalBytes).toBe(offset);

    const reader = await SafetensorsFile.open(written.files[0]);
    try {
      for (const t of declarations) {
        expect(reader.info(t.name)).toMatchObject({ dtype: t.dtype, shape: t.shape });
        expect(Buffer.from(await reader.readBytes(t.name)).equals(Buffer.from(payload.get(t.name) as Uint8Array))).toBe(true);
      }
      const f16 = await reader.readFloat32('b.f16');
      expect(Array.from(f16)).toEqual(Array.from(decodeFloats('F16', payload.get('b.f16') as Uint8Array)));
      await expect(reader.readFloat32('d.i64')).rejects.toThrow(/I64/);
    } finally {
      await reader.close();
    }
  });

  it('converts fp32 values to the declared dtype on write', async () => {
    const dir = await freshDir();
    const values = Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 3);
    const tensors: TensorDeclaration[] = (['F32', 'F16', 'BF16'] as const).map((dtype) => ({ name: dtype, dtype, shape: [3, 4] }));
    const writer = await SafetensorsWriter.create(dir, tensors);
    for (const t of tensors) await writer.writeTensor(t.name, values);
    await writer.finish();
    const reader = await SafetensorsFile.open(join(dir, 'model.safetensors'));
    // Rounding to nearest loses at most half an ulp: 2^-11 relative for F16, 2^-8 for BF16.
    expect(Array.from(await reader.readFloat32('F32'))).toEqual(Array.from(values));
    const f16 = await reader.readFloat32('F16');
    const bf16 = await reader.readFloat32('BF16');
    values.forEach((v, i) => {
      expect(Math.abs(f16[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
      expect(Math.abs(bf16[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -8);
    });
    await reader.close();
  });

  it('copies a checkpoint byte for byte through raw reads and writes', async () => {
    const a = await freshDir();
    const b = await freshDir();
    await writeAll(a, declarations, payload);
    const source = await SafetensorsFolder.open(a);
    const copy = new Map<string, Uint8Array>();
    for (const [name, t] of source.tensors) copy.set(name, await t.file.readBytes(name));
    await source.close();
    await writeAll(b, declarations, copy);
    expect((await readFile(join(a, 'model.safetensors'))).equals(await readFile(join(b, 'model.safetensors')))).toBe(true);
  });

  it('leaves nothing behind when aborted or finished with tensors missing', async () => {
    const dir = await freshDir();
    const writer = await SafetensorsWriter.create(dir, declarations, { shardBytes: 64 });
    await writer.writeRawTensor('a.f32', payload.get('a.f32') as Uint8Array);
    await expect(writer.finish()).rejects.toThrow(/never written/);
    expect(await readdir(dir)).toEqual([]);

    const second = await SafetensorsWriter.create(dir, declarations);
    await expect(second.writeRawTensor('a.f32', new Uint8Array(3))).rejects.toThrow(/needs 60 bytes/);
    await expect(second.writeRawTensor('nope', new Uint8Array(3))).rejects.toThrow(/not declared/);
    await second.abort();
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('sharding', () => {
  const tensors: TensorDeclaration[] = Array.from({ length: 10 }, (_, i) => ({ name: `t.${i}`, dtype: 'F32', shape: [250] }));
  const bytes = new Map(tensors.map((t, i) => [t.name, pseudoRandomBytes(1000, 100 + i)]));

  it('splits at the size limit and writes a Hugging Face index', async () => {
    const dir = await freshDir();
    const written = await writeAll(dir, tensors, bytes, 2500);
    const names = Array.from({ length: 5 }, (_, i) => `model-0000${i + 1}-of-00005.safetensors`);
    expect(written.files).toEqual(names.map((n) => join(dir, n)));
    expect((await readdir(dir)).sort()).toEqual([...names, 'model.safetensors.index.json'].sort());
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    expect(index.metadata.total_size).toBe(10000);
    for (let i = 0; i < 10; i++) expect(index.weight_map[`t.${i}`]).toBe(names[Math.floor(i / 2)]);
    for (const n of names) {
      const { data, header } = parseByHand(await readFile(join(dir, n)));
      expect(data.length).toBeLessThanOrEqual(2500);
      expect(Object.keys(header).filter((k) => k !== '__metadata__')).toHaveLength(2);
    }
    const checkpoint = await SafetensorsFolder.open(dir);
    expect([...checkpoint.tensors.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
    for (const t of tensors) {
      const found = checkpoint.tensors.get(t.name);
      expect(Buffer.from(await found!.file.readBytes(t.name)).equals(Buffer.from(bytes.get(t.name)!))).toBe(true);
    }
    await checkpoint.close();
  });

  it('gives a tensor larger than the limit a shard of its own', async () => {
    const dir = await freshDir();
    const mixed: TensorDeclaration[] = [
      { name: 'small.0', dtype: 'U8', shape: [10] },
      { name: 'huge', dtype: 'U8', shape: [500] },
      { name: 'small.1', dtype: 'U8', shape: [10] },
    ];
    const data = new Map(mixed.map((t, i) => [t.name, pseudoRandomBytes(byteSize(t), i)]));
    const written = await writeAll(dir, mixed, data, 100);
    expect(written.files).toHaveLength(3);
  });

  it('replaces a stale index when a single file is written into the same folder', async () => {
    const dir = await freshDir();
    await writeAll(dir, tensors, bytes, 2500);
    await writeAll(dir, declarations, payload);
    const checkpoint = await SafetensorsFolder.open(dir);
    expect([...checkpoint.tensors.keys()].sort()).toEqual(declarations.map((t) => t.name).sort());
    await checkpoint.close();
  });

  it('rejects an index that names a missing shard or a tensor no shard holds', async () => {
    const dir = await freshDir();
    await writeAll(dir, tensors, bytes, 2500);
    const indexFile = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(await readFile(indexFile, 'utf8'));
    await writeFile(indexFile, JSON.stringify({ ...index, weight_map: { ...index.weight_map, ghost: 'model-00001-of-00005.safetensors' } }));
    await expect(SafetensorsFolder.open(dir)).rejects.toThrow(/"ghost".*no shard holds it/);
    await writeFile(indexFile, JSON.stringify(index));
    await rm(join(dir, 'model-00003-of-00005.safetensors'));
    await expect(SafetensorsFolder.open(dir)).rejects.toThrow(/model-00003-of-00005.safetensors, which is missing/);
    await writeFile(indexFile, '{"weight_map": ');
    await expect(SafetensorsFolder.open(dir)).rejects.toThrow(/not valid JSON/);
  });

  it('reads a folder of unindexed .safetensors files, refusing duplicates and explaining .bin files', async () => {
    const dir = await freshDir();
    await writeAll(dir, tensors, bytes, 2500);
    await rm(join(dir, 'model.safetensors.index.json'));
    const checkpoint = await SafetensorsFolder.open(dir);
    expect(checkpoint.tensors.size).toBe(10);
    await checkpoint.close();
    await writeFile(join(dir, 'extra.safetensors'), await readFile(join(dir, 'model-00001-of-00005.safetensors')));
    await expect(SafetensorsFolder.open(dir)).rejects.toThrow(/appears in both/);

    const empty = await freshDir();
    await writeFile(join(empty, 'pytorch_model.bin'), 'x');
    await expect(SafetensorsFolder.open(empty)).rejects.toThrow(/No .safetensors weights.*convert \.bin/);
  });
});

describe('corrupt and truncated files', () => {
  const f32x4 = (begin: number) => ({ dtype: 'F32', shape: [4], data_offsets: [begin, begin + 16] });
  const cases: [string, () => Promise<Buffer> | Buffer, RegExp][] = [
    ['shorter than the length field', () => Buffer.from([1, 2, 3]), /too short/],
    ['an impossible header length', () => handMade('{}', new Uint8Array(0), 2n ** 60n), /impossible/],
    ['a header longer than the file', () => handMade('{"a":', new Uint8Array(0), 5000n), /truncated/],
    ['garbage instead of JSON', () => handMade(Buffer.from(pseudoRandomBytes(64, 9)).toString('latin1'), new Uint8Array(0)), /not valid JSON/],
    ['bytes that are not UTF-8', () => handMade(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'), new Uint8Array(0)), /not valid JSON/],
    ['a JSON array', () => handMade([1, 2], new Uint8Array(0)), /not a JSON object/],
    ['an unknown dtype', () => handMade({ a: { dtype: 'F17', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "F17"/],
    ['a negative dimension', () => handMade({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ['reversed offsets', () => handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), /invalid data_offsets/],
    ['dtype x shape != byte length', () => handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, new Uint8Array(16)), /should take 12 bytes/],
    ['offsets past the end of the file', () => handMade({ a: f32x4(0), b: f32x4(16) }, new Uint8Array(20)), /truncated: tensor "b" ends at data byte 32/],
    [
      'overlapping tensors',
      () => handMade({ a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] }, b: f32x4(16) }, new Uint8Array(32)),
      /"b" overlaps tensor "a"/,
    ],
    ['a gap between tensors', () => handMade({ a: f32x4(0), b: f32x4(20) }, new Uint8Array(36)), /gap of 4 bytes/],
    ['bytes after the last tensor', () => handMade({ a: f32x4(0) }, new Uint8Array(24)), /8 bytes after the last tensor/],
    ['non-string metadata', () => handMade({ __metadata__: { step: 3 }, a: f32x4(0) }, new Uint8Array(16)), /__metadata__/],
    [
      'a real file cut short',
      async () => {
        const dir = await freshDir();
        await writeAll(dir, declarations, payload);
        const file = join(dir, 'model.safetensors');
        await truncate(file, (await readFile(file)).length - 10);
        return readFile(file);
      },
      /truncated/,
    ],
  ];

  it.each(cases)('rejects %s with one line naming the file', async (_what, make, pattern) => {
    const dir = await freshDir();
    const file = join(dir, 'broken.safetensors');
    await writeFile(file, await make());
    const error = await SafetensorsFile.open(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUserError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(pattern);
    expect(message).toContain(file);
    expect(message).not.toContain('\n');
  });
});
