/**
 * What a LoRA run leaves behind. The trained model folder holds the merged weights,
 *   W' = W + (alpha / r) B A
 * so that evaluation, generation and every export use the adapted model as an ordinary one;
 * its adapter/ sub-folder holds the adapter unmerged, as PEFT saves it (PeftModel.save_pretrained,
 * PEFT 0.20.0): adapter_config.json with every LoraConfig field, and adapter_model.safetensors
 * with the keys base_model.model.<tensor name> (the adapter name removed, as PEFT does), fp32,
 * metadata {"format": "pt"}. Load it with PeftModel.from_pretrained(base, "adapter").
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { LoraSettings } from '../../shared/training.js';
import { tempPathFor, writeJsonAtomic } from '../fs/atomic.js';
import type { AdapterSpec } from '../engine/lora-adapters.js';
import { SafetensorsFile } from '../model/safetensors-file.js';
import { SafetensorsWriter } from '../model/safetensors-writer.js';
import type { TensorReader } from '../model/tensors.js';

export const ADAPTER_FOLDER = 'adapter';
export const PEFT_CONFIG_FILE = 'adapter_config.json';
export const PEFT_WEIGHTS_FILE = 'adapter_model.safetensors';
/** The PEFT release whose files these are written like. */
export const PEFT_VERSION = '0.20.0';
/** PeftModelForCausalLM's prefix before the transformers model's own tensor names. */
const PEFT_PREFIX = 'base_model.model.';

export interface AdapterTensors {
  spec: AdapterSpec;
  a: Float32Array;
  b: Float32Array;
}

/** The adapted weights with the adapters merged in, W + scale B A, accumulated in float64. */
export async function mergedWeights(
  before: TensorReader,
  adapters: readonly AdapterTensors[],
  rank: number,
  scale: number,
): Promise<Map<string, Float32Array>> {
  const merged = new Map<string, Float32Array>();
  for (const { spec, a, b } of adapters) {
    const name = `model.layers.${spec.layer}.${spec.module}.weight`;
    const w = (await before.readTensor(name)).slice();
    const row = new Float64Array(spec.in);
    for (let o = 0; o < spec.out; o++) {
      row.fill(0);
      for (let k = 0; k < rank; k++) {
        const bk = b[o * rank + k];
        if (bk === 0) continue;
        for (let i = 0; i < spec.in; i++) row[i] += bk * a[k * spec.in + i];
      }
      for (let i = 0; i < spec.in; i++) w[o * spec.in + i] += scale * row[i];
    }
    merged.set(name, w);
  }
  return merged;
}

/** adapter_config.json exactly as PEFT 0.20.0 writes a LoraConfig for a causal LM (every field, sorted). */
export function peftAdapterConfig(settings: LoraSettings, baseModel: string, layers: number): Record<string, unknown> {
  const everyLayer = settings.layers.length === layers;
  const config: Record<string, unknown> = {
    alora_invocation_tokens: null,
    alpha_pattern: {},
    arrow_config: null,
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    corda_config: null,
    ensure_weight_tying: false,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: everyLayer ? null : settings.layers,
    loftq_config: {},
    lora_alpha: settings.alpha,
    lora_bias: false,
    lora_dropout: settings.dropout,
    lora_ga_config: null,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    monteclora_config: null,
    peft_type: 'LORA',
    peft_version: PEFT_VERSION,
    qalora_group_size: 16,
    r: settings.rank,
    rank_pattern: {},
    revision: null,
    target_modules: [...settings.targets].sort(),
    target_parameters: null,
    task_type: 'CAUSAL_LM',
    trainable_token_indices: null,
    use_bdlora: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: false,
    velora_config: null,
  };
  return Object.fromEntries(Object.entries(config).sort(([x], [y]) => (x < y ? -1 : 1)));
}

/** Writes DIR as a PEFT adapter folder, built under a temporary name and moved into place when complete. */
export async function writePeftAdapter(
  dir: string,
  adapters: readonly AdapterTensors[],
  settings: LoraSettings,
  baseModel: string,
  layers: number,
): Promise<void> {
  const staging = tempPathFor(dir);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const tensors = adapters.flatMap(({ spec, a, b }) => [
      { name: PEFT_PREFIX + spec.aName, shape: [settings.rank, spec.in], values: a },
      { name: PEFT_PREFIX + spec.bName, shape: [spec.out, settings.rank], values: b },
    ]);
    const writer = await SafetensorsWriter.create(
      staging,
      tensors.map((t) => ({ name: t.name, dtype: 'F32', shape: t.shape })),
      { metadata: { format: 'pt' } },
    );
    try {
      for (const t of tensors) await writer.writeTensor(t.name, t.values);
      const written = await writer.finish();
      if (written.files.length !== 1 || written.indexFile) throw new Error('writePeftAdapter: the adapter must be one safetensors file');
      await rename(written.files[0], join(staging, PEFT_WEIGHTS_FILE));
    } catch (e) {
      await writer.abort();
      throw e;
    }
    await writeJsonAtomic(join(staging, PEFT_CONFIG_FILE), peftAdapterConfig(settings, baseModel, layers));
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A PEFT adapter folder read back: its config and its tensors by PEFT key. */
export async function readPeftAdapter(
  dir: string,
): Promise<{ config: Record<string, unknown>; tensors: Map<string, { shape: number[]; values: Float32Array }> }> {
  const configFile = join(dir, PEFT_CONFIG_FILE);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${dir} holds no LoRA adapter (${PEFT_CONFIG_FILE} is missing). Only a model trained with LoRA has one.`
        : `${configFile} cannot be read (${code ?? (e as Error).message}). Train the LoRA model again.`,
    );
  }
  const file = await SafetensorsFile.open(join(dir, PEFT_WEIGHTS_FILE));
  try {
    const tensors = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const [name, info] of file.tensors) tensors.set(name, { shape: info.shape, values: await file.readFloat32(name) });
    return { config, tensors };
  } finally {
    await file.close();
  }
}
