/**
 * A Hugging Face model folder, opened: the normalised config, an index of every tensor in its
 * safetensors files, and one-tensor-at-a-time reads. Opening checks that every tensor the config
 * implies is there with the right shape and a float dtype, so later stages (scoring, surgery,
 * training) can rely on the weights matching the description.
 */
import { stat } from 'node:fs/promises';
import { UserError } from '../../shared/errors.js';
import { listFiles } from '../fs/entries.js';
import type { ModelDescription } from '../../shared/model.js';
import { SafetensorsFolder, type TensorLocation } from './safetensors-folder.js';
import { readModelConfig } from './config.js';
import { isFloatDtype, type SafetensorsDtype } from './dtypes.js';
import { modelTensorSpecs, type RawTensor, type TensorReader, type TensorSpec } from './tensors.js';

export type { RawTensor } from './tensors.js';
import { ModelTokenizer, TOKENIZER_FILE } from './tokenizer.js';

export interface TensorEntry {
  name: string;
  /** Path of the .safetensors file that holds it. */
  file: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Absolute byte range [start, end) of its data within `file`. */
  byteRange: [number, number];
}

export class ModelFolder implements TensorReader {
  private constructor(
    readonly dir: string,
    readonly description: ModelDescription,
    private readonly checkpoint: SafetensorsFolder,
    readonly tensors: ReadonlyMap<string, TensorEntry>,
    /** Tensors in the files that the model does not use (e.g. rotary inv_freq buffers, a tied LM head). */
    readonly extraTensors: string[],
    /** Size of all files directly in the folder. */
    readonly bytesOnDisk: number,
    readonly hasTokenizer: boolean,
  ) {}

  static async open(dir: string): Promise<ModelFolder> {
    const info = await stat(dir).catch(() => null);
    if (!info) throw new UserError(`The folder ${dir} does not exist. Choose the folder that holds the model.`);
    if (!info.isDirectory())
      throw new UserError(`${dir} is a file, not a folder. Choose the folder that holds the model's config.json and .safetensors files.`);
    const description = await readModelConfig(dir);
    const { bytes, names } = await folderFiles(dir);
    const checkpoint = await SafetensorsFolder.open(dir);
    try {
      const required = modelTensorSpecs(description);
      checkTensors(dir, required, checkpoint.tensors);
      const requiredNames = new Set(required.map((s) => s.name));
      const tensors = new Map<string, TensorEntry>();
      for (const [name, t] of checkpoint.tensors) tensors.set(name, entryOf(t));
      const extra = [...tensors.keys()].filter((n) => !requiredNames.has(n));
      return new ModelFolder(dir, description, checkpoint, tensors, extra, bytes, names.includes(TOKENIZER_FILE));
    } catch (e) {
      await checkpoint.close();
      throw e;
    }
  }

  get files(): string[] {
    return this.checkpoint.files.map((f) => f.path);
  }

  /** The dtype holding most of the weight bytes (what the model "is stored in"). */
  get dtype(): SafetensorsDtype {
    const bytesByDtype = new Map<SafetensorsDtype, number>();
    for (const t of this.tensors.values()) bytesByDtype.set(t.dtype, (bytesByDtype.get(t.dtype) ?? 0) + t.byteRange[1] - t.byteRange[0]);
    return [...bytesByDtype].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'F32';
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  async readTensor(name: string): Promise<Float32Array> {
    return this.location(name).file.readFloat32(name);
  }

  /** The stored bytes, untouched: surgery copies frozen tensors byte for byte. */
  async readRawTensor(name: string): Promise<RawTensor> {
    const t = this.location(name);
    return { dtype: t.dtype, shape: [...t.shape], bytes: await t.file.readBytes(name) };
  }

  loadTokenizer(): Promise<ModelTokenizer> {
    return ModelTokenizer.load(this.dir);
  }

  async close(): Promise<void> {
    await this.checkpoint.close();
  }

  private location(name: string): TensorLocation {
    const t = this.checkpoint.tensors.get(name);
    if (!t) throw new UserError(`The model in ${this.dir} has no tensor named "${name}".`);
    return t;
  }
}

function entryOf(t: TensorLocation): TensorEntry {
  return { name: t.name, file: t.file.path, dtype: t.dtype, shape: [...t.shape], byteRange: [t.file.dataStart + t.begin, t.file.dataStart + t.end] };
}

function checkTensors(dir: string, required: TensorSpec[], present: ReadonlyMap<string, TensorLocation>): void {
  const missing = required.filter((s) => !present.has(s.name));
  if (missing.length > 0) {
    throw new UserError(
      `The weights in ${dir} lack ${missing.length} tensor${missing.length === 1 ? '' : 's'} that config.json requires (first: ${missing[0].name}). Check that every shard is present and that config.json belongs to these weights.`,
    );
  }
  for (const spec of required) {
    const t = present.get(spec.name) as TensorLocation;
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new UserError(
        `Tensor ${spec.name} in ${t.file.path} has shape [${t.shape.join(', ')}] but config.json implies [${spec.shape.join(', ')}]. The config does not belong to these weights.`,
      );
    }
    if (!isFloatDtype(t.dtype)) {
      throw new UserError(
        `Tensor ${spec.name} in ${t.file.path} is stored as ${t.dtype}; only F32, F16 and BF16 weights are supported (quantized checkpoints are not).`,
      );
    }
  }
}

/** Files directly in the folder, links followed (a Hugging Face cache snapshot is all links). */
async function folderFiles(dir: string): Promise<{ bytes: number; names: string[] }> {
  const files = await listFiles(dir);
  return { bytes: files.reduce((n, f) => n + f.bytes, 0), names: files.map((f) => f.name) };
}
