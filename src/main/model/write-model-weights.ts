/**
 * A model folder's tensors written again as safetensors in DIR: every float tensor in the
 * requested type, sharded like the source (shard size scaled by the change of element size).
 * Tensors given in `replacements` (e.g. trained weights held in memory) are written from those
 * values; the rest come from the source, byte for byte when their type is unchanged so that
 * nothing is rounded twice.
 */
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { DTYPE_BYTES, isFloatDtype, type FloatDtype } from './dtypes.js';
import type { ModelFolder, TensorEntry } from './folder.js';
import { SafetensorsWriter } from './safetensors-writer.js';

export async function writeModelWeights(
  folder: ModelFolder,
  dir: string,
  dtype: FloatDtype,
  control: TaskControl,
  replacements: ReadonlyMap<string, Float32Array> = new Map(),
): Promise<void> {
  const entries = [...folder.tensors.values()];
  // Tensors that are not float (rare buffers) keep their type; every float tensor takes the requested one.
  const target = (t: TensorEntry) => (isFloatDtype(t.dtype) ? dtype : t.dtype);
  const declared = entries.map((t) => ({ name: t.name, dtype: target(t), shape: t.shape }));
  const scale = DTYPE_BYTES[dtype] / DTYPE_BYTES[folder.dtype];
  const writer = await SafetensorsWriter.create(dir, declared, { shardBytes: sourceShardBytes(folder) * scale });
  try {
    for (const [i, t] of entries.entries()) {
      throwIfCancelled(control.signal);
      control.onProgress?.({ fraction: i / entries.length, message: `Writing ${t.name}` });
      const values = replacements.get(t.name);
      if (values) await writer.writeTensor(t.name, values);
      else if (t.dtype === target(t)) await writer.writeRawTensor(t.name, (await folder.readRawTensor(t.name)).bytes);
      else await writer.writeTensor(t.name, await folder.readTensor(t.name));
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.finish();
}

/**
 * The shard size limit of the new checkpoint: the source's largest shard (its data bytes), so the
 * result is split like the source was; one file when the source was one file.
 */
export function sourceShardBytes(folder: ModelFolder): number {
  if (folder.files.length === 1) return Infinity;
  const perFile = new Map<string, number>();
  for (const t of folder.tensors.values()) perFile.set(t.file, (perFile.get(t.file) ?? 0) + t.byteRange[1] - t.byteRange[0]);
  return Math.max(...perFile.values());
}
