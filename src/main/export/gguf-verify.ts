/**
 * Verifies a written GGUF file against what it was made from, before it is moved into place:
 * parsed back with our own reader, every metadata value must equal what was written (f32 values
 * as rounded to f32), and every tensor, after undoing the q/k row permutation, must equal the
 * source tensor rounded to the GGUF type, bit for bit. Both roundings are deterministic, so any
 * difference at all is a bug or a disk error.
 */
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { decodeFloats, encodeFloats } from '../model/dtypes.js';
import type { TensorReader } from '../model/tensors.js';
import type { GgufScalar, GgufScalarType, GgufValue } from './gguf-format.js';
import { GgufFile } from './gguf-read.js';
import { rowLength, type GgufTensorPlan } from './gguf-tensors.js';
import { unpermuteRotaryRows } from './rope-layout.js';
import type { GgufVerification } from '../../shared/export.js';

export type { GgufVerification } from '../../shared/export.js';

export async function verifyGguf(
  path: string,
  source: TensorReader,
  plan: readonly GgufTensorPlan[],
  metadata: ReadonlyMap<string, GgufValue>,
  control: TaskControl = {},
): Promise<GgufVerification> {
  const file = await GgufFile.open(path);
  try {
    if (file.metadata.size !== metadata.size) fail(`it holds ${file.metadata.size} metadata keys, ${metadata.size} were written`);
    for (const [key, expected] of metadata) {
      const actual = file.metadata.get(key);
      if (!actual || !sameValue(actual, expected)) fail(`metadata "${key}" reads back as ${JSON.stringify(actual)?.slice(0, 80)}`);
    }
    if (file.tensors.size !== plan.length) fail(`it holds ${file.tensors.size} tensors, ${plan.length} were written`);
    let values = 0;
    for (let i = 0; i < plan.length; i++) {
      throwIfCancelled(control.signal);
      const { gguf, from } = plan[i];
      control.onProgress?.({ fraction: i / plan.length, message: `Verifying ${gguf.name}` });
      const info = file.info(gguf.name);
      if (info.type !== gguf.type || info.dims.join() !== gguf.dims.join())
        fail(`tensor ${gguf.name} is ${info.type} [${info.dims}], expected ${gguf.type} [${gguf.dims}]`);
      let actual = await file.readFloat32(gguf.name);
      if ('tensor' in from && from.permuteHeads !== null) actual = unpermuteRotaryRows(actual, from.permuteHeads, rowLength(source.description, from.tensor));
      const original = 'values' in from ? from.values : await source.readTensor(from.tensor);
      const expected = decodeFloats(gguf.type, encodeFloats(gguf.type, original));
      const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
      const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
      if (a.length !== e.length) fail(`tensor ${gguf.name} has ${a.length} values, expected ${e.length}`);
      for (let j = 0; j < a.length; j++) {
        if (a[j] !== e[j]) fail(`tensor ${gguf.name} differs from its source at element ${j} (${actual[j]} vs ${expected[j]})`);
      }
      values += a.length;
    }
    return { metadataKeys: metadata.size, tensors: plan.length, values };
  } finally {
    await file.close();
  }
}

function fail(what: string): never {
  throw new Error(`GGUF verification failed: ${what}. Nothing was written.`);
}

function sameScalar(type: GgufScalarType, a: GgufScalar, b: GgufScalar): boolean {
  return type === 'f32' ? a === Math.fround(b as number) : a === b;
}

export function sameValue(actual: GgufValue, expected: GgufValue): boolean {
  if (actual.type !== expected.type) return false;
  if (actual.type !== 'array' || expected.type !== 'array') {
    return actual.type !== 'array' && expected.type !== 'array' && sameScalar(expected.type, actual.value, expected.value);
  }
  if (actual.itemType !== expected.itemType || actual.items.length !== expected.items.length) return false;
  return actual.items.every((item, i) => sameScalar(expected.itemType, item, expected.items[i]));
}
