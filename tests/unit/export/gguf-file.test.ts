/**
 * The GGUF container: what the writer puts down is what the reader gets back (every value type,
 * F32/F16/BF16 tensors, a header larger than the reader's first read), laid out as the format
 * says (checked here byte by byte from the specification, not through the reader), and damaged
 * files are refused with one line naming the file.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { array, scalar, type GgufValue } from '../../../src/main/export/gguf-format.js';
import { GgufFile } from '../../../src/main/export/gguf-read.js';
import { GgufWriter } from '../../../src/main/export/gguf-write.js';
import { decodeFloats, encodeFloats } from '../../../src/main/model/dtypes.js';
import { isUserError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/tmp.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-gguf-file-'));
});
afterAll(async () => cleanup());

const metadata = new Map<string, GgufValue>([
  ['general.architecture', scalar('string', 'llama')],
  ['general.alignment', scalar('u32', 32)],
  ['a.u8', scalar('u8', 200)],
  ['a.i8', scalar('i8', -100)],
  ['a.u16', scalar('u16', 60000)],
  ['a.i16', scalar('i16', -30000)],
  ['a.u32', scalar('u32', 4_000_000_000)],
  ['a.i32', scalar('i32', -2_000_000_000)],
  ['a.f32', scalar('f32', Math.fround(0.1))],
  ['a.bool', scalar('bool', true)],
  ['a.u64', scalar('u64', 2 ** 40 + 3)],
  ['a.i64', scalar('i64', -(2 ** 40))],
  ['a.f64', scalar('f64', 0.1)],
  ['a.unicode', scalar('string', 'Grüße ▁ 日本 🙂')],
  ['a.strings', array('string', ['', 'x', 'Ġhello'])],
  ['a.floats', array('f32', [1, -0.5, 3.25])],
  ['a.ints', array('i32', [1, -2, 3])],
]);

const matrix = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i) * 3);
const tensors = [
  { name: 'w.f32', dims: [5, 6], type: 'F32' as const, values: matrix },
  { name: 'w.f16', dims: [5, 6], type: 'F16' as const, values: matrix },
  { name: 'w.bf16', dims: [3], type: 'BF16' as const, values: Float32Array.from([1.5, -2, 1e-3]) },
];

async function writeSample(path: string, meta = metadata): Promise<void> {
  const writer = await GgufWriter.create(path, meta, tensors);
  for (const t of [...tensors].reverse()) await writer.writeTensor(t.name, encodeFloats(t.type, t.values));
  await writer.close();
}

describe('GGUF writer and reader', () => {
  it('round-trips metadata of every type and F32/F16/BF16 tensors', async () => {
    const path = join(root, 'sample.gguf');
    await writeSample(path);
    const file = await GgufFile.open(path);
    try {
      expect(file.version).toBe(3);
      expect(file.metadata).toEqual(metadata);
      expect([...file.tensors.keys()]).toEqual(tensors.map((t) => t.name));
      for (const t of tensors) {
        expect(file.info(t.name).dims).toEqual(t.dims);
        expect(file.info(t.name).type).toBe(t.type);
        expect(await file.readFloat32(t.name)).toEqual(decodeFloats(t.type, encodeFloats(t.type, t.values)));
      }
    } finally {
      await file.close();
    }
  });

  it('lays the file out as the specification says: counts, aligned data start and offsets', async () => {
    const path = join(root, 'layout.gguf');
    await writeSample(path);
    const b = await readFile(path);
    expect(b.toString('ascii', 0, 4)).toBe('GGUF');
    expect(b.readUInt32LE(4)).toBe(3);
    expect(b.readBigUInt64LE(8)).toBe(BigInt(tensors.length));
    expect(b.readBigUInt64LE(16)).toBe(BigInt(metadata.size));
    // Walk past the metadata by hand: key, type code, value.
    let p = 24;
    const str = () => {
      const n = Number(b.readBigUInt64LE(p));
      p += 8 + n;
    };
    const fixed: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
    const value = (type: number) => {
      if (type === 8) return str();
      if (type !== 9) {
        p += fixed[type];
        return;
      }
      const item = b.readUInt32LE(p);
      const count = Number(b.readBigUInt64LE(p + 4));
      p += 12;
      for (let i = 0; i < count; i++) value(item);
    };
    for (let i = 0; i < metadata.size; i++) {
      str();
      const type = b.readUInt32LE(p);
      p += 4;
      value(type);
    }
    const offsets: number[] = [];
    for (const t of tensors) {
      str();
      expect(b.readUInt32LE(p)).toBe(t.dims.length);
      p += 4;
      t.dims.forEach((d, i) => expect(Number(b.readBigUInt64LE(p + 8 * i))).toBe(d));
      p += 8 * t.dims.length;
      expect(b.readUInt32LE(p)).toBe({ F32: 0, F16: 1, BF16: 30 }[t.type]);
      offsets.push(Number(b.readBigUInt64LE(p + 4)));
      p += 12;
    }
    const dataStart = Math.ceil(p / 32) * 32;
    expect(b.subarray(p, dataStart).every((x) => x === 0)).toBe(true);
    expect(offsets).toEqual([0, 128, 192]); // 120 bytes -> next multiple of 32; 60 bytes -> 64 more
    expect(b.readFloatLE(dataStart + 4)).toBe(Math.fround(matrix[1]));
    expect((await stat(path)).size).toBe(dataStart + 192 + 6);
  });

  it('reads a header larger than its first read (a 1.5 MB token list)', async () => {
    const path = join(root, 'big-header.gguf');
    const tokens = Array.from({ length: 150_000 }, (_, i) => `token-${i}`);
    const meta = new Map([...metadata, ['tokenizer.ggml.tokens', array('string', tokens)] as const]);
    await writeSample(path, meta);
    const file = await GgufFile.open(path);
    try {
      expect((file.metadata.get('tokenizer.ggml.tokens') as { items: string[] }).items).toEqual(tokens);
      expect(await file.readFloat32('w.f32')).toEqual(matrix);
    } finally {
      await file.close();
    }
  });

  it('refuses to finish with a tensor missing, and leaves no file', async () => {
    const path = join(root, 'incomplete.gguf');
    const writer = await GgufWriter.create(path, metadata, tensors);
    await writer.writeTensor('w.f32', encodeFloats('F32', matrix));
    await expect(writer.close()).rejects.toThrow(/never written \(first: "w\.f16"\)/);
    await expect(stat(path)).rejects.toThrow();
  });

  describe('damaged files: one line naming the file', () => {
    const cases: [string, (b: Buffer) => Buffer, RegExp][] = [
      ['not GGUF', (b) => Buffer.concat([Buffer.from('GGML'), b.subarray(4)]), /is not a GGUF file/],
      ['version 1', (b) => (b.writeUInt32LE(1, 4), b), /GGUF version 1; only versions 2 and 3/],
      ['truncated header', (b) => b.subarray(0, 100), /ends inside its GGUF header/],
      ['truncated data', (b) => b.subarray(0, b.length - 3), /extends past the end of the file/],
      ['unknown value type', (b) => (b.writeUInt32LE(77, 24 + 8 + 'general.architecture'.length), b), /unknown value type 77/],
    ];
    it.each(cases)('%s', async (_, damage, message) => {
      const path = join(root, 'damaged.gguf');
      await writeSample(path);
      await writeFile(path, damage(Buffer.from(await readFile(path))));
      const error = await GgufFile.open(path).catch((e: unknown) => e);
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).not.toContain('\n');
    });

    it('a quantized tensor type', async () => {
      const path = join(root, 'quantized.gguf');
      await writeSample(path);
      const b = Buffer.from(await readFile(path));
      // The first tensor's type code sits right after its name and two u64 dims; find it by its name.
      const at = b.indexOf('w.f32') + 'w.f32'.length + 4 + 16;
      expect(b.readUInt32LE(at)).toBe(0);
      b.writeUInt32LE(2, at); // Q4_0
      await writeFile(path, b);
      await expect(GgufFile.open(path)).rejects.toThrow(/ggml type 2 \(quantized\); only F32, F16 and BF16/);
    });
  });
});
