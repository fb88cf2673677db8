/**
 * The weights of a model folder as one name -> tensor map over all its .safetensors files:
 * model.safetensors, or the shards listed in model.safetensors.index.json. Every file's header
 * is validated on open; tensor data is read only on request, one tensor at a time.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { SafetensorsFile } from './safetensors-file.js';
import type { SafetensorsTensorInfo } from './safetensors-header.js';
import { INDEX_FILE, SINGLE_FILE } from './safetensors-writer.js';

export interface TensorLocation extends SafetensorsTensorInfo {
  file: SafetensorsFile;
}

export class SafetensorsFolder {
  private constructor(
    readonly files: SafetensorsFile[],
    readonly tensors: ReadonlyMap<string, TensorLocation>,
  ) {}

  static async open(dir: string): Promise<SafetensorsFolder> {
    const fileNames = await weightFileNames(dir);
    const files: SafetensorsFile[] = [];
    try {
      for (const name of fileNames.files) files.push(await SafetensorsFile.open(join(dir, name)));
      const tensors = new Map<string, TensorLocation>();
      for (const file of files) {
        for (const info of file.tensors.values()) {
          const earlier = tensors.get(info.name);
          if (earlier) {
            throw new UserError(`Tensor "${info.name}" appears in both ${earlier.file.path} and ${file.path}. Remove the stray file or re-export the model.`);
          }
          tensors.set(info.name, { ...info, file });
        }
      }
      if (fileNames.weightMap) checkIndex(fileNames.weightMap, tensors, join(dir, INDEX_FILE));
      return new SafetensorsFolder(files, tensors);
    } catch (e) {
      await Promise.all(files.map((f) => f.close()));
      throw e;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

/**
 * Which files hold the weights: the index's shards when there is an index, else
 * model.safetensors, else every *.safetensors file in the folder.
 */
async function weightFileNames(dir: string): Promise<{ files: string[]; weightMap: Record<string, string> | null }> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`The folder ${dir} does not exist. Choose the model's folder.`);
    if (code === 'ENOTDIR') throw new UserError(`${dir} is a file, not a folder. Choose the folder that holds the model.`);
    throw new UserError(`Cannot read the folder ${dir} (${code ?? (e as Error).message}).`);
  }
  if (entries.includes(INDEX_FILE)) {
    const weightMap = await readWeightMap(join(dir, INDEX_FILE));
    const files = [...new Set(Object.values(weightMap))].sort();
    for (const f of files) {
      if (!entries.includes(f)) {
        throw new UserError(`${join(dir, INDEX_FILE)} lists the shard ${f}, which is missing from the folder. Download or copy the missing file.`);
      }
    }
    return { files, weightMap };
  }
  if (entries.includes(SINGLE_FILE)) return { files: [SINGLE_FILE], weightMap: null };
  const files = entries.filter((e) => e.endsWith('.safetensors')).sort();
  if (files.length === 0) {
    const hint = entries.some((e) => e.endsWith('.bin') || e.endsWith('.pth') || e.endsWith('.gguf'))
      ? ' Only .safetensors weights are supported; convert .bin/.pth/.gguf files to safetensors first.'
      : " Choose the folder that holds the model's .safetensors files.";
    throw new UserError(`No .safetensors weights in ${dir}.${hint}`);
  }
  return { files, weightMap: null };
}

async function readWeightMap(file: string): Promise<Record<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message.split('\n')[0]}). Re-download the model's index file.`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (
    typeof map !== 'object' ||
    map === null ||
    Array.isArray(map) ||
    !Object.values(map).every((v) => typeof v === 'string' && v.endsWith('.safetensors') && !/[\\/]/.test(v))
  ) {
    throw new UserError(`${file} has no valid "weight_map" (tensor name -> .safetensors file in the same folder). Re-download the model's index file.`);
  }
  return map as Record<string, string>;
}

/** The index and the shards' own headers must agree, or some loader will pick the wrong tensor. */
function checkIndex(weightMap: Record<string, string>, tensors: Map<string, TensorLocation>, indexFile: string): void {
  for (const [name, fileName] of Object.entries(weightMap)) {
    const found = tensors.get(name);
    if (!found) throw new UserError(`${indexFile} says tensor "${name}" is in ${fileName}, but no shard holds it. Re-download the model.`);
    if (basename(found.file.path) !== fileName) {
      throw new UserError(`${indexFile} says tensor "${name}" is in ${fileName}, but it is in ${found.file.path}. Re-download the model.`);
    }
  }
  for (const name of tensors.keys()) {
    if (!Object.hasOwn(weightMap, name))
      throw new UserError(`${indexFile} does not list tensor "${name}", which a shard holds. Re-download the model's index file.`);
  }
}
