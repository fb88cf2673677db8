/**
 * Checks a plan document before anything acts on it (imported PLAN.json, UI edits, and every
 * plan makePlan returns). Each failure is one line naming the file and what to do. A plan that
 * passes can be executed layer by layer with no further knowledge: sources exist, kept layers
 * keep their order, every original layer is either kept once or removed, and the counts are the
 * ones the model's config gives.
 */
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import { PLAN_STRATEGIES, PLAN_VERSION, type InitMethod, type LayerKind, type Plan, type PlanLayer } from '../../shared/plan.js';
import { blockTensorSpecs } from '../model/tensors.js';
import { planBase } from './build.js';
import { residualOutputTensors } from './init.js';
import { planCounts } from './counts.js';
import { firstDeepLayer } from '../../shared/plan.js';
import { parseScores } from './scores.js';

const KINDS: readonly LayerKind[] = ['kept', 'new', 'refreshed'];
const SOURCES_PER_METHOD: Record<InitMethod, (n: number) => boolean> = {
  copy: (n) => n === 1,
  average: (n) => n === 2,
  'mean-of': (n) => n >= 1,
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sameList = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, k) => x === b[k]);

export function validatePlan(json: unknown, m: ModelDescription, file = 'The plan'): Plan {
  const fail = (what: string) => new UserError(`${file}: ${what}`);
  const remake = 'Make it again with slayer plan (or the Plan step) for this model.';
  const isLayer = (i: unknown): i is number => Number.isInteger(i) && (i as number) >= 0 && (i as number) < m.layers;

  if (!isObject(json)) throw fail('expected a JSON object (a plan written by slayer plan).');
  if (json.version !== PLAN_VERSION) {
    throw fail(
      typeof json.version === 'number'
        ? `plan version ${json.version} is not known; this SLayer Studio reads version ${PLAN_VERSION}. Use the version that wrote it, or make the plan again.`
        : `no "version" field, so this is not a plan file. ${remake}`,
    );
  }
  if (!(PLAN_STRATEGIES as readonly unknown[]).includes(json.strategy)) {
    throw fail(`unknown strategy ${JSON.stringify(json.strategy)}; expected one of ${PLAN_STRATEGIES.join(', ')}.`);
  }

  const base = isObject(json.base) ? json.base : {};
  for (const [key, expected] of Object.entries(planBase(m))) {
    if (base[key] !== expected) {
      throw fail(`it was made for a different model (base.${key} is ${JSON.stringify(base[key])}, this model has ${JSON.stringify(expected)}). ${remake}`);
    }
  }

  if (!Array.isArray(json.removed) || !json.removed.every(isLayer)) {
    throw fail(`"removed" must list original layer indices from 0 to ${m.layers - 1}.`);
  }
  const removed = json.removed as number[];
  if (!removed.every((r, k) => k === 0 || r > removed[k - 1])) throw fail('"removed" must be in ascending order without repeats.');
  if (removed.length === m.layers) throw fail('it removes every layer; keep at least one.');
  if (!Array.isArray(json.layers) || json.layers.length === 0) throw fail('"layers" must list the layers of the new model.');

  const suffixes = new Set(blockTensorSpecs(m).map((s) => s.name));
  const residual = residualOutputTensors(m);
  const layers = json.layers as PlanLayer[];
  let lastOriginal = -1;
  let refreshedAt = -1;
  layers.forEach((raw: unknown, k) => {
    const at = `layers[${k}]`;
    if (!isObject(raw)) throw fail(`${at} must be an object.`);
    if (raw.index !== k) throw fail(`${at}.index must be ${k} (indices of the new model count up from 0).`);
    if (!(KINDS as readonly unknown[]).includes(raw.kind)) throw fail(`${at}.kind must be kept, new or refreshed.`);
    if (typeof raw.trainable !== 'boolean') throw fail(`${at}.trainable must be true or false.`);
    const init = isObject(raw.init) ? raw.init : {};
    const method = init.method as InitMethod;
    if (!Object.hasOwn(SOURCES_PER_METHOD, String(method))) throw fail(`${at}.init.method must be copy, average or mean-of.`);
    const from = init.from;
    if (!Array.isArray(from) || !from.every(isLayer) || new Set(from).size !== from.length || !SOURCES_PER_METHOD[method](from.length)) {
      throw fail(`${at}.init.from must list distinct original layers (0-${m.layers - 1}): one for copy, two for average, one or more for mean-of.`);
    }
    const zeroed = init.zeroed;
    if (!Array.isArray(zeroed) || !zeroed.every((z) => suffixes.has(z)) || new Set(zeroed).size !== zeroed.length) {
      throw fail(`${at}.init.zeroed must list distinct block tensors of this model (e.g. self_attn.o_proj.weight).`);
    }

    if (raw.kind === 'new') {
      if (!Array.isArray(raw.source) || !sameList(raw.source, from)) throw fail(`${at} is new, so its source must be the list in init.from.`);
      const kept = residual.find((r) => !zeroed.includes(r));
      if (kept)
        throw fail(`${at} is new, so init.zeroed must include ${kept}: a new block starts as an exact pass-through, with every residual output at zero.`);
      const after = from[0] as number;
      if (removed.includes(after)) throw fail(`${at} expands after layer ${after}, which the plan removes. Expand after a layer that stays.`);
      if (after !== lastOriginal) throw fail(`${at} is made from layer ${after}, so it must come right after that layer.`);
      return;
    }
    const source = raw.source;
    if (!isLayer(source)) throw fail(`${at}.source must be an original layer index from 0 to ${m.layers - 1}.`);
    if (removed.includes(source)) throw fail(`layer ${source} is both kept (${at}) and removed.`);
    if (source <= lastOriginal)
      throw fail(`${at} repeats or reorders original layers (layer ${source} after layer ${lastOriginal}); kept layers stay in their original order.`);
    if (raw.kind === 'kept' && !(method === 'copy' && from[0] === source && zeroed.length === 0)) {
      throw fail(`${at} is kept, so its init must be a plain copy of layer ${source}.`);
    }
    if (raw.kind === 'refreshed') {
      if (refreshedAt >= 0) throw fail(`only one layer can be refreshed (layers[${refreshedAt}] and ${at}).`);
      if (zeroed.length) throw fail(`${at} is refreshed, so init.zeroed must be empty: it replaces a working layer and keeps all of its weights.`);
      if (from[0] !== source) throw fail(`${at} refreshes layer ${source}, so init.from must start with ${source}.`);
      refreshedAt = k;
    }
    lastOriginal = source;
  });

  const keptCount = layers.filter((l) => l.kind !== 'new').length;
  if (keptCount + removed.length !== m.layers) {
    const missing = Array.from({ length: m.layers }, (_, i) => i).find((i) => !removed.includes(i) && !layers.some((l) => l.kind !== 'new' && l.source === i));
    throw fail(`original layer ${missing} is neither kept nor removed.`);
  }
  if (refreshedAt >= 0 && layers.slice(refreshedAt + 1).some((l) => l.kind !== 'new')) {
    throw fail(`layers[${refreshedAt}] is refreshed but is not the last kept layer.`);
  }
  if (json.strategy === 's') {
    const shallowPrune = removed.find((r) => r < firstDeepLayer(m.layers));
    if (shallowPrune !== undefined) {
      throw fail(
        `the S strategy never deletes shallow layers, but layer ${shallowPrune} is in the first half (0-${firstDeepLayer(m.layers) - 1}). Use --strategy manual to do that deliberately.`,
      );
    }
  }

  if (typeof json.trainGlobals !== 'boolean') throw fail('"trainGlobals" must be true or false.');
  const counts = planCounts(m, layers, json.trainGlobals);
  const stated = isObject(json.counts) ? json.counts : {};
  for (const [key, expected] of Object.entries(counts)) {
    if (stated[key] !== expected) {
      throw fail(
        `counts.${key} is ${JSON.stringify(stated[key])} but this model's config gives ${expected} for these layers. The file was edited or made for another model. ${remake}`,
      );
    }
  }
  if (counts.trainableParameters === 0) throw fail('it trains nothing: add new blocks, a refreshed layer or trainable layers.');
  if (!isObject(json.settings)) throw fail('"settings" must be an object.');
  if (json.scores !== undefined) parseScores(json.scores, m.layers, `${file} (its scores)`);
  // Plans written before notes existed have none; a plan's notes are words, never instructions to act on.
  const notes = json.notes ?? [];
  if (!Array.isArray(notes) || !notes.every((n) => typeof n === 'string')) throw fail('"notes" must be a list of sentences.');
  return { ...json, notes } as unknown as Plan;
}
