/**
 * The trained model as a complete Hugging Face folder in OUT: config.json (torch_dtype set to
 * the stored type), the tokenizer and other side files, safetensors sharded like the source,
 * and slayer.json. Trained tensors come from memory; frozen ones are copied from the source byte
 * for byte when the stored type is unchanged, so they are bit-identical to the model trained.
 *
 * OUT already holds the run's checkpoints, so it cannot be swapped in as a whole: the files are
 * built in a temporary folder inside OUT, checked by opening them as a model, then renamed into
 * place one by one with slayer.json (and its training record) last. A folder whose slayer.json
 * has a training record therefore holds a complete trained model.
 */
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WeightDtype } from '../../shared/estimate.js';
import type { TaskControl } from '../../shared/progress.js';
import { TEMP_PREFIX, tempPathFor, writeJsonAtomic } from '../fs/atomic.js';
import { ModelFolder } from '../model/folder.js';
import { SAFETENSORS_DTYPE, TORCH_DTYPE } from '../model/torch-dtype.js';
import { writeModelWeights } from '../model/write-model-weights.js';
import { CONFIG_FILE } from '../surgery/config.js';
import { SURGERY_RECORD_FILE } from '../surgery/index.js';
import { copySideFiles, listSideFiles } from '../surgery/side-files.js';

export async function writeTrainedModel(
  folder: ModelFolder,
  trained: ReadonlyMap<string, Float32Array>,
  outDir: string,
  dtype: WeightDtype,
  record: unknown,
  control: TaskControl,
): Promise<void> {
  // A model folder being staged when the process was killed stays behind under its temporary name.
  for (const name of await readdir(outDir)) if (name.startsWith(TEMP_PREFIX)) await rm(join(outDir, name), { recursive: true, force: true });
  const staging = tempPathFor(join(outDir, 'model'));
  await mkdir(staging, { recursive: true });
  try {
    await copySideFiles(folder.dir, await listSideFiles(folder.dir), staging);
    const config = JSON.parse(await readFile(join(folder.dir, CONFIG_FILE), 'utf8')) as Record<string, unknown>; // validated when the folder was opened
    await writeJsonAtomic(join(staging, CONFIG_FILE), { ...config, torch_dtype: TORCH_DTYPE[dtype] });
    await writeModelWeights(folder, staging, SAFETENSORS_DTYPE[dtype], control, trained);
    await writeJsonAtomic(join(staging, SURGERY_RECORD_FILE), record);
    // The checks every later stage makes: config and weights agree, every tensor present.
    await (await ModelFolder.open(staging)).close();

    const names = (await readdir(staging)).sort((a, b) => Number(a === SURGERY_RECORD_FILE) - Number(b === SURGERY_RECORD_FILE));
    // Files of an earlier model in OUT that this one lacks (e.g. other shards) would be stale copies.
    for (const entry of await readdir(outDir, { withFileTypes: true })) {
      if (entry.isFile() && !entry.name.startsWith(TEMP_PREFIX) && !names.includes(entry.name)) await rm(join(outDir, entry.name), { force: true });
    }
    for (const name of names) await rename(join(staging, name), join(outDir, name));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
