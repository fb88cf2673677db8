/**
 * config.json of the new model: the source's own file with num_hidden_layers set to the new
 * depth and every other field kept as it was (key order included). Fields that describe the
 * layers one by one follow their layers, or a loader would reject the config or give layers the
 * wrong attention type: each resulting layer takes the entry of the first layer it is made from.
 *   layer_types        one entry per layer (recent transformers: "full_attention" | "sliding_attention")
 *   max_window_layers  Qwen2: how many bottom layers form the first attention group; resulting
 *                      layers keep the original order of their sources, so the group stays a
 *                      prefix and its new size is the number of layers made from inside it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plan } from '../../shared/plan.js';
import { writeJsonAtomic } from '../fs/atomic.js';

export const CONFIG_FILE = 'config.json';

export async function writeResultConfig(modelDir: string, plan: Plan, outDir: string): Promise<void> {
  // The model folder was opened (and this file validated) before surgery started.
  const config = JSON.parse(await readFile(join(modelDir, CONFIG_FILE), 'utf8')) as Record<string, unknown>;
  const firstSource = plan.layers.map((l) => l.init.from[0]);
  const originalLayers = config.num_hidden_layers;
  config.num_hidden_layers = plan.layers.length;
  if (Array.isArray(config.layer_types) && config.layer_types.length === originalLayers) {
    const types = config.layer_types;
    config.layer_types = firstSource.map((i) => types[i]);
  }
  const windowLayers = config.max_window_layers;
  if (typeof windowLayers === 'number') config.max_window_layers = firstSource.filter((i) => i < windowLayers).length;
  await writeJsonAtomic(join(outDir, CONFIG_FILE), config);
}
