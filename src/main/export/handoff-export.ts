/**
 * Hand-off folder for a distributed trainer (runs that outgrow one workstation): the trainer's
 * config training exactly the plan's trainable layers, the DeepSpeed ZeRO-2 config it points
 * at, and README-handoff.md with the command lines. LLaMA-Factory also gets its dataset registry
 * and the launcher that applies the explicit layer list. Written as one folder, atomically.
 */
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { writeFileAtomic, writeFolderAtomic, writeJsonAtomic } from '../fs/atomic.js';
import { AXOLOTL_CONFIG, axolotlConfig } from './handoff-axolotl.js';
import {
  LLAMAFACTORY_CONFIG,
  LLAMAFACTORY_DATASETS,
  LLAMAFACTORY_LAUNCHER,
  llamaFactoryConfig,
  llamaFactoryDatasets,
  llamaFactoryLauncher,
} from './handoff-llamafactory.js';
import { handoffReadme } from './handoff-readme.js';
import { DEEPSPEED_FILE, DEEPSPEED_ZERO2, HANDOFF_README, type HandoffInput, type Trainer } from './handoff-recipe.js';
import type { SlayerRecord } from './slayer-record.js';

export async function exportHandoff(
  trainer: Trainer,
  input: Omit<HandoffInput, 'trainableLayers' | 'trainGlobals'>,
  record: SlayerRecord | null,
  out: string,
): Promise<string[]> {
  if (!record) {
    throw new UserError(
      `${input.modelPath} has no slayer.json, so its trainable layers are unknown. Export a folder made by "slayer apply" (or "slayer train"), which records the plan.`,
    );
  }
  if (record.trainableLayers.length === 0 && !record.trainGlobals) {
    throw new UserError(`${record.file}: the plan marks no layer as trainable, so there is nothing to hand off. Make a plan with trainable layers first.`);
  }
  const full: HandoffInput = { ...input, trainableLayers: record.trainableLayers, trainGlobals: record.trainGlobals };
  const names = trainer === 'llamafactory' ? [LLAMAFACTORY_CONFIG, LLAMAFACTORY_LAUNCHER, LLAMAFACTORY_DATASETS] : [AXOLOTL_CONFIG];
  await writeFolderAtomic(out, async (tmp) => {
    if (trainer === 'llamafactory') {
      await writeFileAtomic(join(tmp, LLAMAFACTORY_CONFIG), llamaFactoryConfig(full));
      await writeFileAtomic(join(tmp, LLAMAFACTORY_LAUNCHER), llamaFactoryLauncher(full));
      await writeJsonAtomic(join(tmp, LLAMAFACTORY_DATASETS), llamaFactoryDatasets());
    } else {
      await writeFileAtomic(join(tmp, AXOLOTL_CONFIG), axolotlConfig(full));
    }
    await writeJsonAtomic(join(tmp, DEEPSPEED_FILE), DEEPSPEED_ZERO2);
    await writeFileAtomic(join(tmp, HANDOFF_README), handoffReadme(trainer, full));
  });
  return [...names, DEEPSPEED_FILE, HANDOFF_README].map((n) => join(out, n));
}
