/**
 * The LoRA adapters of a training run (graphs/lora.ts has the maths): which projections of
 * which blocks carry one, their tensor names, PEFT's initialisation, and the dropout masks the
 * graphs are fed.
 *
 *   names    model.layers.{i}.{module}.lora_A.weight [r, in] and .lora_B.weight [out, r]
 *            (PEFT's keys without its "base_model.model." prefix and adapter name)
 *   init     A ~ U(-1/sqrt(in), 1/sqrt(in)): torch's kaiming_uniform_(a=sqrt(5)) as PEFT calls it,
 *            bound = gain * sqrt(3 / in) with gain = sqrt(2 / (1 + 5)); B = 0
 *   dropout  element (row, t, j) kept with probability 1 - p and scaled by 1 / (1 - p); the mask
 *            of a (call key, layer, module) is a pure function of the seed, so the backward pass
 *            and a resumed run regenerate exactly the masks the forward pass used
 */
import type { ModelDescription } from '../../shared/model.js';
import type { LoraSettings, LoraTarget } from '../../shared/training.js';
import { blockTensorName, blockTensorSpecs } from '../model/tensors.js';
import { loraInputNames, type LoraGraphSpec } from './graphs/lora.js';

/** Module path inside a block of each target. */
export const LORA_MODULE_PATHS: Record<LoraTarget, string> = {
  q_proj: 'self_attn.q_proj',
  k_proj: 'self_attn.k_proj',
  v_proj: 'self_attn.v_proj',
  o_proj: 'self_attn.o_proj',
  gate_proj: 'mlp.gate_proj',
  up_proj: 'mlp.up_proj',
  down_proj: 'mlp.down_proj',
};

/** LoRA settings and the seed of the adapters' initialisation and dropout. */
export interface LoraEngineSettings extends LoraSettings {
  seed: number;
}

/** One adapter: where it sits, and the full names of its two tensors. */
export interface AdapterSpec {
  layer: number;
  module: string;
  /** [out, in] of the adapted weight. */
  out: number;
  in: number;
  aName: string;
  bName: string;
}

export function adapterSpecs(m: ModelDescription, s: LoraSettings): AdapterSpec[] {
  const specs = blockTensorSpecs(m);
  const adapters: AdapterSpec[] = [];
  for (const layer of s.layers) {
    for (const target of s.targets) {
      const module = LORA_MODULE_PATHS[target];
      const [out, inDim] = specs.find((t) => t.name === `${module}.weight`)!.shape;
      const names = loraInputNames(module);
      adapters.push({ layer, module, out, in: inDim, aName: blockTensorName(layer, names.a), bName: blockTensorName(layer, names.b) });
    }
  }
  return adapters;
}

/** Trainable values of r (in + out) per adapter, summed. */
export function adapterParameterCount(m: ModelDescription, s: LoraSettings): number {
  return adapterSpecs(m, s).reduce((n, a) => n + s.rank * (a.in + a.out), 0);
}

/** The block graphs' view of the settings. */
export function loraGraphSpec(s: LoraSettings, dropout: boolean): LoraGraphSpec {
  return { modules: s.targets.map((t) => LORA_MODULE_PATHS[t]), rank: s.rank, scale: s.alpha / s.rank, dropout };
}

/** A's initial values (PEFT's), seeded per tensor name. */
export function initialLoraA(seed: number, a: AdapterSpec, rank: number): Float32Array {
  const bound = 1 / Math.sqrt(a.in);
  const next = mulberry32(nameSeed(seed, a.aName));
  return Float32Array.from({ length: rank * a.in }, () => (2 * next() - 1) * bound);
}

/** The dropout mask [rows, seq, in] of one adapter for one call: 0 or 1 / (1 - p). */
export function dropoutMask(seed: number, callKey: number, a: AdapterSpec, rows: number, seq: number, p: number): Float32Array {
  const next = mulberry32(nameSeed(seed ^ Math.imul(callKey + 1, 0x9e3779b1), a.aName));
  const kept = 1 / (1 - p);
  const mask = new Float32Array(rows * seq * a.in);
  for (let i = 0; i < mask.length; i++) mask[i] = next() < p ? 0 : kept;
  return mask;
}

/** FNV-1a of the name from the seed. */
function nameSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
