/**
 * Readers that share no code with the exporter, for checking what it wrote:
 * - GGUF headers through @huggingface/gguf (a maintained parser from the Hugging Face hub's JS
 *   libraries), tensor bytes read at the offsets it reports and decoded here;
 * - safetensors parsed here from the format's description (u64 header length, JSON header,
 *   data; offsets relative to the end of the header);
 * - float rounding to F16/BF16 written here from the IEEE 754 definitions (round to nearest,
 *   ties to even), not with the project's dtypes module.
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gguf, type GGUFTypedMetadata } from '@huggingface/gguf';

/** ggml.h enum ggml_type for the unquantized types. */
export const GGML_TYPE = { F32: 0, F16: 1, BF16: 30 } as const;
/** gguf.h enum gguf_type. */
export const GGUF_VALUE_TYPE = { UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

export interface IndependentGguf {
  path: string;
  version: number;
  /** Every key with its value type (and the item type of arrays) as the parser read them. */
  metadata: GGUFTypedMetadata;
  tensors: { name: string; shape: number[]; dtype: number; offset: number }[];
  dataOffset: number;
}

export async function readGguf(path: string): Promise<IndependentGguf> {
  const r = await gguf(path, { allowLocalFile: true, typedMetadata: true });
  return {
    path,
    version: Number(r.metadata.version),
    metadata: r.typedMetadata,
    tensors: r.tensorInfos.map((t) => ({ name: t.name, shape: t.shape.map(Number), dtype: t.dtype, offset: Number(t.offset) })),
    dataOffset: Number(r.tensorDataOffset),
  };
}

/** A metadata value as plain JavaScript (arrays as arrays), or undefined when the key is absent. */
export function value(file: IndependentGguf, key: string): unknown {
  return (file.metadata as Record<string, { value: unknown } | undefined>)[key]?.value;
}

/** The value type of a key, and for arrays the item type. */
export function valueType(file: IndependentGguf, key: string): { type: number; subType?: number } | undefined {
  const v = (file.metadata as Record<string, { type: number; subType?: number } | undefined>)[key];
  return v && { type: v.type, ...(v.subType === undefined ? {} : { subType: v.subType }) };
}

const BYTES: Record<number, number> = { [GGML_TYPE.F32]: 4, [GGML_TYPE.F16]: 2, [GGML_TYPE.BF16]: 2 };

export function tensorByteSize(t: { shape: number[]; dtype: number }): number {
  return t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
}

/** Values of a GGUF tensor at the given flat indices (innermost dimension fastest). */
export async function ggufValues(file: IndependentGguf, name: string, indices: number[]): Promise<number[]> {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`no tensor ${name}`);
  const width = BYTES[t.dtype];
  return readValues(file.path, file.dataOffset + t.offset, width, indices, (view) => decode(t.dtype, view));
}

function decode(dtype: number, view: DataView): number {
  if (dtype === GGML_TYPE.F32) return view.getFloat32(0, true);
  if (dtype === GGML_TYPE.BF16) return new DataView(Uint32Array.of(view.getUint16(0, true) << 16).buffer).getFloat32(0, true);
  const h = view.getUint16(0, true);
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

async function readValues(path: string, base: number, width: number, indices: number[], read: (v: DataView) => number): Promise<number[]> {
  const handle = await open(path, 'r');
  try {
    const out: number[] = [];
    const buf = Buffer.alloc(4);
    for (const i of indices) {
      await handle.read(buf, 0, width, base + i * width);
      out.push(read(new DataView(buf.buffer, buf.byteOffset, width)));
    }
    return out;
  } finally {
    await handle.close();
  }
}

export interface SafetensorsEntry {
  file: string;
  dtype: string;
  shape: number[];
  /** Absolute byte offset of the tensor in its file. */
  start: number;
  bytes: number;
}

/** Every tensor of a Hugging Face folder (single file or sharded through model.safetensors.index.json). */
export async function readSafetensors(dir: string): Promise<Map<string, SafetensorsEntry>> {
  const index = await readFile(join(dir, 'model.safetensors.index.json'), 'utf8').catch(() => null);
  const files = index ? [...new Set(Object.values(JSON.parse(index).weight_map as Record<string, string>))] : ['model.safetensors'];
  const out = new Map<string, SafetensorsEntry>();
  for (const name of files) {
    const file = join(dir, name);
    const handle = await open(file, 'r');
    try {
      const lengthBytes = Buffer.alloc(8);
      await handle.read(lengthBytes, 0, 8, 0);
      const headerLength = Number(lengthBytes.readBigUInt64LE(0));
      const header = Buffer.alloc(headerLength);
      await handle.read(header, 0, headerLength, 8);
      const json = JSON.parse(header.toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
      for (const [tensor, entry] of Object.entries(json)) {
        if (tensor === '__metadata__') continue;
        const [begin, end] = entry.data_offsets;
        out.set(tensor, { file, dtype: entry.dtype, shape: entry.shape, start: 8 + headerLength + begin, bytes: end - begin });
      }
    } finally {
      await handle.close();
    }
  }
  return out;
}

const SAFETENSORS_WIDTH: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };
const SAFETENSORS_GGML: Record<string, number> = { F32: GGML_TYPE.F32, F16: GGML_TYPE.F16, BF16: GGML_TYPE.BF16 };

export async function safetensorsValues(entry: SafetensorsEntry, indices: number[]): Promise<number[]> {
  return readValues(entry.file, entry.start, SAFETENSORS_WIDTH[entry.dtype], indices, (view) => decode(SAFETENSORS_GGML[entry.dtype], view));
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** x (a float32 value) rounded to the nearest value of a float format with `mantissa` stored bits and minimum normal exponent `minExp`. */
function roundToFormat(x: number, mantissa: number, minExp: number, max: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const exponent = Math.max(Math.floor(Math.log2(Math.abs(x))), minExp);
  // log2 can be off by one next to powers of two; settle the binade exactly.
  let e = exponent;
  if (e > minExp && 2 ** e > Math.abs(x)) e--;
  if (2 ** (e + 1) <= Math.abs(x)) e++;
  const ulp = 2 ** (Math.max(e, minExp) - mantissa);
  const rounded = roundHalfEven(x / ulp) * ulp;
  return Math.abs(rounded) > max ? Math.sign(x) * Infinity : rounded;
}

/** A float32 value as stored in a GGUF tensor of the given ggml type. */
export function roundTo(dtype: number, x: number): number {
  if (dtype === GGML_TYPE.F32) return Math.fround(x);
  if (dtype === GGML_TYPE.F16) return roundToFormat(x, 10, -14, 65504);
  return roundToFormat(x, 7, -126, 3.3895313892515355e38);
}

/** Sample indices of a tensor with n elements: the first and last few and an even spread between. */
export function sampleIndices(n: number, count = 64): number[] {
  const picks = new Set<number>([0, 1, n - 2, n - 1].filter((i) => i >= 0 && i < n));
  for (let k = 0; k < count; k++) picks.add(Math.floor(((k + 0.5) * n) / count));
  return [...picks].sort((a, b) => a - b);
}
