/**
 * Fills the new checkpoint, one tensor at a time, following each tensor's recipe: copies move
 * the stored bytes untouched (byte-identical, never through fp32), zeros are zero bytes (0.0 in
 * every float format), means are computed in fp32 and written back in the source dtype.
 *
 * One tensor is prepared while the previous one is written: reads and writes run on libuv's
 * thread pool, so the disk stays busy while the main thread averages. At most two tensors (with
 * a mean's sources) are in memory at once.
 */
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { FloatDtype } from '../model/dtypes.js';
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
  const prepare = async (t: OutputTensor): Promise<Uint8Array> => {
    const r = t.recipe;
    if (r.kind === 'copy') return (await folder.readRawTensor(r.source)).bytes;
    if (r.kind === 'zero') return new Uint8Array(t.bytes);
    return meanOfTensors(folder, r.sources, t.dtype as FloatDtype); // block tensors are float (checked on open)
  };
  const prepareAhead = (t: OutputTensor): Promise<Uint8Array> => {
    const ready = prepare(t);
    // Awaited in the next round; observed now, so a failure while the current tensor is written is no unhandled rejection.
    ready.catch(() => {});
    return ready;
  };

  // Always the tensor being prepared: the one to write next, or the one after it while writing.
  let pending = prepareAhead(tensors[0]);
  try {
    let done = 0;
    for (let k = 0; k < tensors.length; k++) {
      throwIfCancelled(control.signal);
      control.onProgress?.({ fraction: done / total, message: `Writing ${tensors[k].name}` });
      const bytes = await pending;
      if (k + 1 < tensors.length) pending = prepareAhead(tensors[k + 1]);
      await writer.writeRawTensor(tensors[k].name, bytes);
      done += tensors[k].bytes;
    }
  } catch (e) {
    await pending.catch(() => {}); // let a read still in flight finish before the files go
    await writer.abort();
    throw e;
  }
  return writer.finish();
}
