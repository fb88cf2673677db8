/**
 * slayer.json of a model folder made by `slayer apply` / `slayer train`, read for export: the plan
 * (layer map), the trainable layers, where the model came from and, after training, the training
 * record. A plain Hugging Face folder has none, and every export works without it except the
 * hand-off configs, which exist to train the plan's layers.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import type { FunctionCheck } from '../surgery/function-check.js';
import { readRecordJson } from '../surgery/read-record.js';
import type { SurgeryRecord } from '../surgery/record.js';

export interface SlayerRecord {
  file: string;
  plan: Plan;
  /** 0-based indices, in this model, of the blocks to train. */
  trainableLayers: number[];
  trainGlobals: boolean;
  source: { path: string; sha256: string } | null;
  tool: string | null;
  functionCheck: FunctionCheck | null;
  /** What `slayer train` recorded, as written (its shape belongs to training). */
  training: Record<string, unknown> | null;
}

export async function readSlayerRecord(dir: string, m: ModelDescription): Promise<SlayerRecord | null> {
  const read = await readRecordJson(dir, 'Restore it from the surgery output or delete it to export the folder as a plain model.');
  if (!read) return null;
  const { file } = read;
  const json = read.json as Partial<SurgeryRecord> & { training?: unknown };
  const plan = json.plan;
  if (!plan || !Array.isArray(plan.layers) || plan.layers.length !== m.layers) {
    throw new UserError(
      `${file} does not describe this model (its plan has ${Array.isArray(plan?.layers) ? plan.layers.length : 'no'} layers, config.json ${m.layers}). Restore the folder's own slayer.json or delete it.`,
    );
  }
  const trainable = json.trainableLayers ?? plan.layers.filter((l) => l.trainable).map((l) => l.index);
  if (!Array.isArray(trainable) || !trainable.every((i) => Number.isInteger(i) && i >= 0 && i < m.layers)) {
    throw new UserError(`${file}: "trainableLayers" must list layer indices from 0 to ${m.layers - 1}.`);
  }
  const training = json.training;
  return {
    file,
    plan,
    trainableLayers: [...trainable].sort((a, b) => a - b),
    trainGlobals: json.trainGlobals ?? plan.trainGlobals ?? false,
    source: json.source ? { path: json.source.path, sha256: json.source.sha256 } : null,
    tool: json.tool ? `${json.tool.name} ${json.tool.version}` : null,
    functionCheck: json.functionCheck ?? null,
    training: typeof training === 'object' && training !== null && !Array.isArray(training) ? (training as Record<string, unknown>) : null,
  };
}
