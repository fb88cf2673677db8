/**
 * Model folder -> a Hugging Face folder ready to share: config.json (torch_dtype set to the
 * exported type, and "dtype" too where the source has it: transformers 4.56 and later write and
 * prefer that key), the tokenizer and other side files (chat_template.jinja included, and the
 * additional_chat_templates/ folder of named templates), safetensors in the requested type (sharded
 * like the source), slayer.json when there is one, and a model card (model-card.ts) in place of
 * the base model's README.md. Built under a temporary name and renamed into place once complete
 * and re-opened successfully. Tensors already in the requested type are copied byte for byte.
 */
import { constants } from 'node:fs';
import { copyFile, cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskControl } from '../../shared/progress.js';
import { writeFileAtomic, writeFolderAtomic, writeJsonAtomic } from '../fs/atomic.js';
import type { FloatDtype } from '../model/dtypes.js';
import { ModelFolder } from '../model/folder.js';
import { TORCH_DTYPE, WEIGHT_DTYPE } from '../model/torch-dtype.js';
import { writeModelWeights } from '../model/write-model-weights.js';
import { CONFIG_FILE } from '../surgery/config.js';
import { copySideFiles, listSideFiles } from '../surgery/side-files.js';
import { SURGERY_RECORD_FILE } from '../surgery/record.js';
import { ADDITIONAL_CHAT_TEMPLATES_DIR } from './chat-template.js';
import { hubModelId, modelCard } from './model-card.js';
import type { SlayerRecord } from './slayer-record.js';

export const MODEL_CARD_FILE = 'README.md';

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
    await cp(join(dir, ADDITIONAL_CHAT_TEMPLATES_DIR), join(tmp, ADDITIONAL_CHAT_TEMPLATES_DIR), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    const torchDtype = TORCH_DTYPE[WEIGHT_DTYPE[options.dtype]];
    await writeJsonAtomic(join(tmp, CONFIG_FILE), { ...config, torch_dtype: torchDtype, ...('dtype' in config ? { dtype: torchDtype } : {}) });
    await writeModelWeights(folder, tmp, options.dtype, control);
    if (record) await copyFile(record.file, join(tmp, SURGERY_RECORD_FILE), constants.COPYFILE_FICLONE);
    const card = modelCard({
      name: options.name,
      description: folder.description,
      record,
      baseCard,
      baseModelId: hubModelId(config._name_or_path),
      dtype: WEIGHT_DTYPE[options.dtype],
    });
    await writeFileAtomic(join(tmp, MODEL_CARD_FILE), card);
    // The same checks every later stage makes: config and weights agree, every tensor readable.
    await (await ModelFolder.open(tmp)).close();
  });
}
