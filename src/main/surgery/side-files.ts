/**
 * The files of a model folder that travel unchanged into the new one: tokenizer (tokenizer.json,
 * tokenizer_config.json, special_tokens_map.json, tokenizer.model, ...), generation_config.json,
 * chat templates, licence, model card. Not copied:
 *   - weights of any format: the new checkpoint replaces the safetensors, and .bin/.pth/.gguf
 *     files would be stale copies of the base model that some loaders pick up first;
 *   - config.json and slayer.json, which surgery writes anew;
 *   - sub-folders (.git, original/ with consolidated .pth weights, caches): not part of the model
 *     Hugging Face loads, and often as large as it;
 *   - temporary files of an interrupted write.
 */
import { constants } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_PREFIX } from '../fs/atomic.js';
import { listFiles } from '../fs/entries.js';
import { CONFIG_FILE } from './config.js';
import { SURGERY_RECORD_FILE } from './record.js';

const WEIGHT_FILE = /\.(safetensors|bin|pt|pth|ckpt|gguf|h5|msgpack|onnx)$|\.index\.json$/;

export interface SideFile {
  name: string;
  bytes: number;
}

export async function listSideFiles(modelDir: string): Promise<SideFile[]> {
  return (await listFiles(modelDir))
    .filter((f) => !WEIGHT_FILE.test(f.name) && !f.name.startsWith(TEMP_PREFIX) && f.name !== CONFIG_FILE && f.name !== SURGERY_RECORD_FILE)
    .map((f) => ({ name: f.name, bytes: f.bytes }));
}

/**
 * Copy-on-write clones where the file system offers them, plain copies elsewhere. A link (the
 * Hugging Face cache's) is copied as the file it points to: outputs never link back into a cache.
 */
export async function copySideFiles(modelDir: string, files: readonly SideFile[], outDir: string): Promise<void> {
  for (const f of files) await copyFile(join(modelDir, f.name), join(outDir, f.name), constants.COPYFILE_FICLONE);
}
