/**
 * README.md (Hugging Face model card) for an exported model: YAML front matter (licence carried
 * over from the base model's card when it names one, base model when config.json names a Hub id,
 * tags), then how the model was made, the layer map of its plan (kept / new / refreshed / removed,
 * trainable), the data hashes and metrics slayer.json records, and how to load it.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { PlanLayer } from '../../shared/plan.js';
import type { WeightDtype } from '../../shared/estimate.js';
import type { SlayerRecord } from './slayer-record.js';
import { toYaml, type YamlNode } from './yaml-lines.js';

export interface ModelCardInput {
  name: string;
  description: ModelDescription;
  record: SlayerRecord | null;
  /** The model folder's previous README.md (the base model's card, copied by surgery), if any. */
  baseCard: string | null;
  /** config.json "_name_or_path" when it is a Hub id ("owner/name"). */
  baseModelId: string | null;
  dtype: WeightDtype;
}

/** Top-level `key: value` lines of a card's YAML front matter (enough for license fields). */
export function frontMatterField(card: string, key: string): string | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(card);
  const line = m && new RegExp(`^${key}:[ \\t]*(.+?)[ \\t]*$`, 'm').exec(m[1]);
  return line ? line[1].replace(/^(["'])(.*)\1$/, '$2') : null;
}

/** A Hub model id, "owner/name": not a local path. */
export function hubModelId(nameOrPath: unknown): string | null {
  return typeof nameOrPath === 'string' && /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(nameOrPath) ? nameOrPath : null;
}

export function modelCard(input: ModelCardInput): string {
  const { record, description: m } = input;
  const license = input.baseCard ? frontMatterField(input.baseCard, 'license') : null;
  const front: YamlNode[] = [];
  if (license) front.push({ key: 'license', value: license });
  else front.push({ key: 'license', value: 'other', comment: "the base model card names no licence: fill in the base model's licence" });
  for (const key of ['license_name', 'license_link']) {
    const value = input.baseCard && license ? frontMatterField(input.baseCard, key) : null;
    if (value) front.push({ key, value });
  }
  if (input.baseModelId) front.push({ key: 'base_model', value: input.baseModelId });
  front.push({ key: 'library_name', value: 'transformers' }, { key: 'pipeline_tag', value: 'text-generation' });
  const expands = record?.plan.layers.some((l) => l.kind === 'new') ?? false;
  const strategyTags = record ? [`strategy-${record.plan.strategy}`, ...(expands ? ['block-expansion'] : []), 'continued-pretraining'] : [];
  front.push({ key: 'tags', list: ['slayer-studio', m.family, ...strategyTags] });

  const lines = ['---', toYaml(front).trimEnd(), '---', '', `# ${input.name}`, ''];
  lines.push(
    record
      ? `A ${m.architecture} model with ${m.layers} layers, made with SLayer Studio's ${strategyName(record.plan.strategy)} plan (layer map below). Only the blocks marked trainable are meant to be trained on the domain corpus; everything else stays frozen, which limits forgetting of general ability.`
      : `A ${m.architecture} model with ${m.layers} layers, exported by SLayer Studio. This folder has no slayer.json, so its layer history is unknown.`,
    '',
    '## How it was made',
    '',
  );
  lines.push(...howMade(input));
  if (record) lines.push('', '## Layer map', '', ...layerTable(record), '', ...dataAndMetrics(record));
  lines.push(
    '',
    '## Use',
    '',
    '```python',
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    'model = AutoModelForCausalLM.from_pretrained("PATH_OR_HUB_ID")',
    'tokenizer = AutoTokenizer.from_pretrained("PATH_OR_HUB_ID")',
    '```',
    '',
  );
  return lines.join('\n');
}

function strategyName(strategy: string): string {
  return { s: 'S (Llama SLayer)', 'llama-pro': 'LLaMA Pro', 'last-k': 'last-k layers', full: 'full fine-tuning', manual: 'manual' }[strategy] ?? strategy;
}

function howMade(input: ModelCardInput): string[] {
  const { record, description: m } = input;
  const out = [
    `- Weights: ${input.dtype}, ${m.layers} layers, hidden size ${m.hiddenSize}, ${m.heads} heads (${m.kvHeads} key/value heads), vocabulary ${m.vocabSize}.`,
  ];
  if (!record) return out;
  const p = record.plan;
  out.push(
    `- Base model: ${input.baseModelId ?? 'a local folder'} (${p.base.layers} layers, ${p.base.parameters.toLocaleString('en-US')} parameters)${record.source ? `, fingerprint sha256 ${record.source.sha256}` : ''}.`,
  );
  out.push(
    `- Plan: ${strategyName(p.strategy)}; ${p.counts.layers} layers, ${p.counts.parameters.toLocaleString('en-US')} parameters, of which ${p.counts.trainableParameters.toLocaleString('en-US')} trainable.`,
  );
  out.push(
    `- Trainable layers (0-based, this model): ${record.trainableLayers.join(', ') || 'none'}${record.trainGlobals ? '; embeddings, final norm and LM head too' : ''}.`,
  );
  if (p.removed.length > 0) out.push(`- Removed layers (0-based, base model): ${p.removed.join(', ')}.`);
  const check = record.functionCheck;
  if (check) {
    out.push(
      check.checked
        ? `- Function check: ${check.passed ? 'passed' : 'failed'} (largest logit difference to the base model ${check.maxAbsDiff} over ${check.tokens} tokens).`
        : `- Function check: not applicable (${check.reason}).`,
    );
  }
  if (record.tool) out.push(`- Made with ${record.tool}.`);
  return out;
}

const INIT_WORDS: Record<PlanLayer['init']['method'], string> = { copy: 'copy of', average: 'average of', 'mean-of': 'mean of' };

function describeInit(l: PlanLayer): string {
  const zeroed = l.init.zeroed.length > 0 ? `; zeroed ${l.init.zeroed.join(', ')}` : '';
  return `${INIT_WORDS[l.init.method]} ${l.init.from.join(', ')}${zeroed}`;
}

function layerTable(record: SlayerRecord): string[] {
  const rows = record.plan.layers.map((l) => {
    const source = Array.isArray(l.source) ? l.source.join(', ') : String(l.source);
    return `| ${l.index} | ${l.kind} | ${source} | ${describeInit(l)} | ${l.trainable ? 'yes' : 'no'} |`;
  });
  const removed = record.plan.removed.map((i) => `| - | removed | ${i} | - | - |`);
  return ['| Layer | Kind | Base layer(s) | Initialised as | Trainable |', '|---|---|---|---|---|', ...rows, ...removed];
}

function dataAndMetrics(record: SlayerRecord): string[] {
  const out = ['## Data and metrics', ''];
  const scores = record.plan.scores;
  if (scores) out.push(`- Layer scores from ${scores.samples} sequences of ${scores.seqLen} tokens, data hash ${scores.dataHash}.`);
  if (record.training) {
    out.push('- Training record:', '', '| Field | Value |', '|---|---|');
    for (const [key, value] of Object.entries(record.training)) out.push(`| ${key} | ${summarise(value)} |`);
  }
  if (out.length === 2) out.push('- No scores or training recorded yet (slayer.json has none).');
  return out;
}

/** One table cell for any recorded value: numbers and strings as they are, series shortened. */
function summarise(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
    return value.length === 0 ? 'none' : `${value.length} values, first ${value[0]}, last ${value[value.length - 1]}`;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text.length > 120 ? `${text.slice(0, 117)}...` : text).replaceAll('|', '\\|');
}
