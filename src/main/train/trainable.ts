/**
 * Which tensors a run trains. `auto` reads the trainable blocks that `slayer apply` recorded in
 * the model's slayer.json (the plan's new and refreshed blocks), `all` is full fine-tuning
 * (every block, embeddings, final norm and LM head), and a list names blocks by 0-based index.
 */
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import type { TrainableSelection } from '../engine/training-engine.js';
import { makePlan } from '../plan/index.js';
import { SURGERY_RECORD_FILE } from '../surgery/index.js';
import { readRecordJson } from '../surgery/read-record.js';
import type { TrainableOption } from './options.js';

export interface ResolvedTrainable extends TrainableSelection {
  layers: number[];
  /** The plan the model was made with (slayer.json), or the full fine-tuning plan for `all`. */
  plan: Plan | null;
  /** The model's own slayer.json, carried into the trained model's record. */
  modelRecord: Record<string, unknown> | null;
}

export async function resolveTrainable(modelDir: string, m: ModelDescription, choice: TrainableOption): Promise<ResolvedTrainable> {
  const modelRecord = (await readRecordJson(modelDir, 'Run "slayer apply" again to rewrite it.'))?.json ?? null;
  const recordedPlan = (modelRecord?.plan as Plan | undefined) ?? null;
  if (choice === 'all') {
    return { layers: Array.from({ length: m.layers }, (_, i) => i), globals: true, plan: makePlan(m, { strategy: 'full' }), modelRecord };
  }
  if (choice === 'auto') {
    const file = join(modelDir, SURGERY_RECORD_FILE);
    if (!modelRecord) {
      throw new UserError(
        `${modelDir} has no ${SURGERY_RECORD_FILE} (written by "slayer apply"), so there is no plan to say which layers to train. Use --trainable all, or list blocks such as --trainable 2,5,9.`,
      );
    }
    const layers = modelRecord.trainableLayers;
    const globals = modelRecord.trainGlobals;
    if (!Array.isArray(layers) || typeof globals !== 'boolean') {
      throw new UserError(`${file} has no valid "trainableLayers" and "trainGlobals". Run "slayer apply" again, or choose the layers with --trainable.`);
    }
    return { layers: checkLayers(layers, m, file, globals), globals, plan: recordedPlan, modelRecord };
  }
  return { layers: checkLayers(choice, m, '--trainable', false), globals: false, plan: recordedPlan, modelRecord };
}

/** Nothing of the model's own trains (LoRA trains adapters beside it); its slayer.json, if any, is carried on. */
export async function frozenBase(modelDir: string): Promise<ResolvedTrainable> {
  const modelRecord = (await readRecordJson(modelDir, 'Run "slayer apply" again to rewrite it.'))?.json ?? null;
  return { layers: [], globals: false, plan: (modelRecord?.plan as Plan | undefined) ?? null, modelRecord };
}

/** Valid, sorted, without repeats; empty only when the embeddings, final norm and head are trained. */
function checkLayers(layers: unknown[], m: ModelDescription, where: string, globals: boolean): number[] {
  for (const layer of layers) {
    if (typeof layer !== 'number' || !Number.isInteger(layer) || layer < 0 || layer >= m.layers) {
      throw new UserError(`${where} names layer ${String(layer)}, but the model has layers 0 to ${m.layers - 1} (0-based).`);
    }
  }
  const unique = [...new Set(layers as number[])].sort((a, b) => a - b);
  if (unique.length === 0 && !globals) throw new UserError(`${where} names no layer to train. Name at least one, or use --trainable all.`);
  return unique;
}
