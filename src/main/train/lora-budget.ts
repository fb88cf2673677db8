/**
 * The LoRA baseline at the S run's size: the rank whose adapters hold as many trainable values
 * as the S run trains (rank * sum over adapters of (in + out)), capped at the narrowest adapted
 * weight's own rank, above which a low-rank update stops being one. When the cap binds, the
 * baseline is smaller than S and says so.
 */
import type { ModelDescription } from '../../shared/model.js';
import { LORA_DEFAULTS, type LoraSettings, type LoraTarget } from '../../shared/training.js';
import { adapterParameterCount, LORA_MODULE_PATHS } from '../engine/lora-adapters.js';
import { blockTensorSpecs } from '../model/tensors.js';

export interface BudgetedLora {
  settings: LoraSettings;
  parameters: number;
  /** False when the cap kept the adapters below the budget. */
  matched: boolean;
  /** Trainable values per unit of rank. */
  perRank: number;
}

export function loraForBudget(m: ModelDescription, budget: number, targets: readonly LoraTarget[] = LORA_DEFAULTS.targets): BudgetedLora {
  const layers = Array.from({ length: m.layers }, (_, i) => i);
  const base = { alpha: 0, dropout: LORA_DEFAULTS.dropout, targets: [...targets], layers };
  const perRank = adapterParameterCount(m, { ...base, rank: 1 });
  const specs = blockTensorSpecs(m);
  const cap = Math.min(...targets.flatMap((t) => specs.find((s) => s.name === `${LORA_MODULE_PATHS[t]}.weight`)!.shape));
  const wanted = Math.max(1, Math.round(budget / perRank));
  const rank = Math.min(wanted, cap);
  // alpha = 2r, LLaMA-Factory's default ratio, keeps the update's scale the same at every rank.
  const settings: LoraSettings = { ...base, rank, alpha: 2 * rank };
  return { settings, parameters: rank * perRank, matched: wanted <= cap, perRank };
}
