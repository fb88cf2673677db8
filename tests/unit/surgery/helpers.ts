/**
 * Test material for surgery: generated model folders, logits through the forward engine,
 * raw tensor bytes, and reference arithmetic (fp32 means, bf16 rounding, SHA-256) written here
 * independently of the code under test.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';

/** Small enough for fast tests, large enough for the tiny tokenizer (about 320 ids). */
export const SMALL = { layers: 4, hiddenSize: 32, intermediateSize: 64, heads: 4, vocabSize: 400, seed: 7 } satisfies TestModelOptions;

export async function generate(dir: string, options: Partial<TestModelOptions> = {}): Promise<ModelFolder> {
  await generateTestModel(dir, { ...SMALL, ...options });
  return ModelFolder.open(dir);
}

/** A folder's description and tensor index, its files closed again. */
export async function indexOf(dir: string): Promise<ModelFolder> {
  const folder = await ModelFolder.open(dir);
  await folder.close();
  return folder;
}

/** mulberry32 token ids in [0, vocab). */
export function tokenSequences(lengths: number[], vocab: number, seed = 1): number[][] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return lengths.map((n) => Array.from({ length: n }, () => Math.floor(next() * vocab)));
}

/** Logits of a model folder on the given sequences, all sequences concatenated. */
export async function logitsOf(dir: string, sequences: number[][], blockSequence?: number[]): Promise<Float32Array> {
  const folder = await ModelFolder.open(dir);
  const engine = await createForwardEngine(folder, { threads: 1 });
  try {
    const parts = await engine.logits(sequences, blockSequence ? { blockSequence } : {});
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  } finally {
    await engine.dispose();
    await folder.close();
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`Cannot compare ${a.length} values with ${b.length}.`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Stored bytes of a tensor, as the file holds them. */
export async function rawBytes(dir: string, name: string): Promise<Buffer> {
  const folder = await ModelFolder.open(dir);
  try {
    return (await folder.readRawTensor(name)).bytes;
  } finally {
    await folder.close();
  }
}

// Reference float formats, bit by bit.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function bf16ToNumber(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** Round an fp32 value to bf16 bits, to nearest, ties to even (finite values only). */
export function numberToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const upper = bits >>> 16;
  const lower = bits & 0xffff;
  const roundUp = lower > 0x8000 || (lower === 0x8000 && (upper & 1) === 1);
  return (upper + (roundUp ? 1 : 0)) & 0xffff;
}

/** Values of a raw F32 or BF16 tensor as plain numbers. */
export function valuesOf(bytes: Buffer, dtype: 'F32' | 'BF16'): number[] {
  const out: number[] = [];
  if (dtype === 'F32') for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readFloatLE(i));
  else for (let i = 0; i < bytes.length; i += 2) out.push(bf16ToNumber(bytes.readUInt16LE(i)));
  return out;
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
