/**
 * The safetensors header: an 8-byte little-endian length N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data,
 * with offsets relative to the start of the data. This module validates a header against the
 * file it came from, as strictly as the reference (Rust) implementation: every problem becomes
 * one line that names the file and what is wrong with it.
 */
import { UserError } from '../../shared/errors.js';
import { DTYPE_BYTES, isSafetensorsDtype, type SafetensorsDtype } from './dtypes.js';
import { elementCount } from './tensors.js';

/** The reference implementation refuses larger headers; so do we, before allocating them. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Where the data section starts in the file: 8 + header length. */
  dataStart: number;
  tensors: SafetensorsTensorInfo[];
  metadata: Record<string, string>;
}

const REDOWNLOAD = 'Re-download or re-export the model.';

/** Reads N from the first 8 bytes and checks it against the file size. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) {
    throw new UserError(`${file} is only ${fileSize} bytes long, too short to be a safetensors file (truncated?). ${REDOWNLOAD}`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n < 2n || n > BigInt(MAX_HEADER_BYTES)) {
    throw new UserError(`${file} is not a valid safetensors file: its header length (${n} bytes) is impossible. ${REDOWNLOAD}`);
  }
  if (8n + n > BigInt(fileSize)) {
    throw new UserError(`${file} is truncated: its header needs ${n} bytes but the file has only ${fileSize - 8} after the length field. ${REDOWNLOAD}`);
  }
  return Number(n);
}

/** Parses and validates the JSON header; `fileSize` is the size of the whole file. */
export function parseHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const bad = (what: string) => new UserError(`${file} has a corrupt safetensors header: ${what}. ${REDOWNLOAD}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw bad(`it is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('it is not a JSON object');

  const dataStart = 8 + json.byteLength;
  const dataBytes = fileSize - dataStart;
  const tensors: SafetensorsTensorInfo[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
        throw bad('"__metadata__" must map names to strings');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    tensors.push(parseEntry(name, raw, bad));
  }

  // Tensors must tile the data section exactly: no overlaps, no gaps, nothing after the last one.
  const byOffset = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const t of byOffset) {
    if (t.begin < expected) {
      const other = byOffset.find((o) => o !== t && o.begin <= t.begin && o.end > t.begin);
      throw bad(`tensor "${t.name}" overlaps tensor "${other?.name ?? '?'}" (bytes ${t.begin}-${t.end})`);
    }
    if (t.begin > expected) throw bad(`there is a gap of ${t.begin - expected} bytes before tensor "${t.name}"`);
    expected = t.end;
  }
  if (expected > dataBytes) {
    const last = byOffset[byOffset.length - 1];
    throw new UserError(
      `${file} is truncated: tensor "${last.name}" ends at data byte ${expected} but the file holds only ${dataBytes} bytes of data. ${REDOWNLOAD}`,
    );
  }
  if (expected < dataBytes) throw bad(`the file has ${dataBytes - expected} bytes after the last tensor`);
  return { dataStart, tensors, metadata };
}

function parseEntry(name: string, raw: unknown, bad: (what: string) => UserError): SafetensorsTensorInfo {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(`the entry for "${name}" is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) throw bad(`tensor "${name}" has the unknown dtype ${JSON.stringify(dtype)}`);
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  const expectedBytes = elementCount(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== expectedBytes) {
    throw bad(`tensor "${name}" (${dtype} [${shape.join(', ')}]) should take ${expectedBytes} bytes but its offsets span ${end - begin}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * Serialises a header for tensors laid out in the given order, padded with spaces so that the
 * data section starts on an 8-byte boundary (what the reference writer does, so that readers can
 * map tensors without copying).
 */
export function encodeHeader(tensors: readonly SafetensorsTensorInfo[], metadata: Record<string, string>): Uint8Array {
  const entries: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) entries.__metadata__ = metadata;
  for (const t of tensors) entries[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [t.begin, t.end] };
  const json = new TextEncoder().encode(JSON.stringify(entries));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}
