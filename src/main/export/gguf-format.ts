/**
 * The GGUF container (version 3), as llama.cpp reads it (the GGUF specification published with ggml):
 *
 *   "GGUF" | u32 version | u64 tensor_count | u64 kv_count
 *   kv_count x  (string key, u32 value_type, value)
 *   tensor_count x (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)
 *   zero padding to `alignment`, then the tensor data; each offset is relative to the data start
 *   and a multiple of `alignment` (general.alignment, 32 when absent).
 *
 * Little-endian throughout; a string is a u64 byte length and UTF-8 bytes. Dimensions are listed
 * innermost first: a row-major [rows, cols] matrix is ne = [cols, rows], and its bytes are laid
 * out exactly as in safetensors. This file holds the shared vocabulary of the writer and reader.
 */
import type { FloatDtype } from '../model/dtypes.js';

export const GGUF_MAGIC = 'GGUF';
export const GGUF_VERSION = 3;
export const DEFAULT_ALIGNMENT = 32;
export const ALIGNMENT_KEY = 'general.alignment';

/** Metadata value types and their on-disk codes. */
export const VALUE_TYPE_CODES = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufScalarType = Exclude<keyof typeof VALUE_TYPE_CODES, 'array'>;
export type GgufScalar = number | boolean | string;
export type GgufValue = { type: GgufScalarType; value: GgufScalar } | { type: 'array'; itemType: GgufScalarType; items: GgufScalar[] };

/** Byte size of each fixed-width scalar type (strings are variable). */
export const SCALAR_BYTES: Record<Exclude<GgufScalarType, 'string'>, number> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  u64: 8,
  i64: 8,
  f64: 8,
};

/** ggml tensor element types used for unquantized weights (ggml.h enum ggml_type). */
export const GGML_TYPE_CODES: Record<FloatDtype, number> = { F32: 0, F16: 1, BF16: 30 };

/** general.file_type (llama.h enum llama_ftype): what most weights are stored as; 1-D tensors stay F32. */
export const FILE_TYPE_CODES: Record<FloatDtype, number> = { F32: 0, F16: 1, BF16: 32 };

export function ggmlTypeOfCode(code: number): FloatDtype | null {
  const found = (Object.keys(GGML_TYPE_CODES) as FloatDtype[]).find((t) => GGML_TYPE_CODES[t] === code);
  return found ?? null;
}

export const scalar = (type: GgufScalarType, value: GgufScalar): GgufValue => ({ type, value });
export const array = (itemType: GgufScalarType, items: GgufScalar[]): GgufValue => ({ type: 'array', itemType, items });

/** The alignment the metadata declares: general.alignment, or 32. */
export function alignmentOf(metadata: ReadonlyMap<string, GgufValue>): number {
  const v = metadata.get(ALIGNMENT_KEY);
  return v && v.type === 'u32' && typeof v.value === 'number' ? v.value : DEFAULT_ALIGNMENT;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

export interface GgufTensorInfo {
  name: string;
  /** ne: innermost (contiguous) dimension first. */
  dims: number[];
  type: FloatDtype;
  /** Byte offset from the start of the data section. */
  offset: number;
}
