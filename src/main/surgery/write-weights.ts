/**
 * Fills the new checkpoint, one tensor at a time, following each tensor's recipe: copies move
 * the stored bytes untouched (byte-identical, never through fp32), zeros are zero bytes (0.0 in
 * every float format), means are computed in fp32 and written back in the source dtype.
 */
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { ModelFolder } from '../model/folder.js';
import { SafetensorsWriter, type WrittenCheckpoint } from '../model/safetensors-writer.js';
import { meanOfTensors } from './mean.js';
import type { OutputTensor } from './recipes.js';

export async function writeWeights(
  folder: ModelFolder,
  tensors: readonly OutputTensor[],
  dir: string,
  shardBytes: number,
  control: TaskControl,
): Promise<WrittenCheckpoint> {
  const writer = await SafetensorsWriter.create(dir, tensors, { shardBytes });
  const total = tensors.reduce((n, t) => n + t.bytes, 0);
  let done = 0;
  try {
    for (const t of tensors) {
      throwIfCancelled(control.signal);
      control.onProgress?.({ fraction: done / total, message: `Writing ${t.name}` });
      const r = t.recipe;
      if (r.kind === 'copy') await writer.writeRawTensor(t.name, (await folder.readRawTensor(r.source)).bytes);
      else if (r.kind === 'zero') await writer.writeRawTensor(t.name, new Uint8Array(t.bytes));
      else await writer.writeTensor(t.name, await meanOfTensors(folder, r.sources));
      done += t.bytes;
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.finish();
}
