/**
 * Model folder -> a Hugging Face folder ready to share: config.json (torch_dtype set to the
 * exported type), the tokenizer and other side files, safetensors in the requested type (sharded
 * like the source), slayer.json when there is one, and a model card (model-card.ts) in place of
 * the base model's README.md. Built under a temporary name and renamed into place once complete
 * and re-opened successfully. Tensors already in the requested type are copied byte for byte.
 */
import { constants } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { WeightDtype } from '../../shared/estimate.js';
import { writeFileAtomic, writeFolderAtomic, writeJsonAtomic } from '../fs/atomic.js';
import { DTYPE_BYTES, isFloatDtype, type FloatDtype } from '../model/dtypes.js';
import { ModelFolder, type TensorEntry } from '../model/folder.js';
import { SafetensorsWriter } from '../model/safetensors-writer.js';
import { CONFIG_FILE } from '../surgery/config.js';
import { sourceShardBytes } from '../surgery/recipes.js';
import { copySideFiles, listSideFiles } from '../surgery/side-files.js';
import { SURGERY_RECORD_FILE } from '../surgery/record.js';
import { hubModelId, modelCard } from './model-card.js';
import type { SlayerRecord } from './slayer-record.js';

export const MODEL_CARD_FILE = 'README.md';

const TORCH_DTYPE: Record<FloatDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

export async function exportHf(
  folder: ModelFolder,
  record: SlayerRecord | null,
  out: string,
  options: { dtype: FloatDtype; name: string },
  control: TaskControl = {},
): Promise<void> {
  const dir = folder.dir;
  const config = JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8')) as Record<string, unknown>; // validated when the folder was opened
  const baseCard = await readFile(join(dir, MODEL_CARD_FILE), 'utf8').catch(() => null);
  await writeFolderAtomic(out, async (tmp) => {
    const sideFiles = (await listSideFiles(dir)).filter((f) => f.name !== MODEL_CARD_FILE);
    await copySideFiles(dir, sideFiles, tmp);
    await writeJsonAtomic(join(tmp, CONFIG_FILE), { ...config, torch_dtype: TORCH_DTYPE[options.dtype] });
    await writeWeights(folder, tmp, options.dtype, control);
    if (record) await copyFile(record.file, join(tmp, SURGERY_RECORD_FILE), constants.COPYFILE_FICLONE);
    const card = modelCard({
      name: options.name,
      description: folder.description,
      record,
      baseCard,
      baseModelId: hubModelId(config._name_or_path),
      dtype: options.dtype.toLowerCase() as WeightDtype,
    });
    await writeFileAtomic(join(tmp, MODEL_CARD_FILE), card);
    // The same checks every later stage makes: config and weights agree, every tensor readable.
    await (await ModelFolder.open(tmp)).close();
  });
}

async function writeWeights(folder: ModelFolder, dir: string, dtype: FloatDtype, control: TaskControl): Promise<void> {
  const entries = [...folder.tensors.values()];
  // Tensors that are not float (rare buffers) keep their type; every float tensor takes the requested one.
  const target = (t: TensorEntry) => (isFloatDtype(t.dtype) ? dtype : t.dtype);
  const declared = entries.map((t) => ({ name: t.name, dtype: target(t), shape: t.shape }));
  const scale = DTYPE_BYTES[dtype] / DTYPE_BYTES[folder.dtype];
  const writer = await SafetensorsWriter.create(dir, declared, { shardBytes: sourceShardBytes(folder) * scale });
  try {
    for (let i = 0; i < entries.length; i++) {
      const t = entries[i];
      throwIfCancelled(control.signal);
      control.onProgress?.({ fraction: i / entries.length, message: `Writing ${t.name}` });
      if (t.dtype === target(t)) await writer.writeRawTensor(t.name, (await folder.readRawTensor(t.name)).bytes);
      else await writer.writeTensor(t.name, await folder.readTensor(t.name));
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.finish();
}
