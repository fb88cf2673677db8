/**
 * The flags of `slayer train` and `slayer sft`, parsed into TrainOptions in one place: the data
 * (one source or several with weights, the general replay), the optimisation settings, LoRA,
 * instruction data, checkpoints and the engine.
 */
import { UserError } from '../shared/errors.js';
import { INSTRUCT_PACKINGS } from '../shared/instruct.js';
import { LORA_DEFAULTS, LORA_TARGETS, type LoraSettings, type LoraTarget } from '../shared/training.js';
import { BAD_LINE_POLICIES, CORPUS_SPLITS, parseSourceSpec } from '../main/data/index.js';
import { OPTIMIZERS, SCHEDULES, TRAIN_DEFAULTS, type TrainableOption, type TrainOptions } from '../main/train/index.js';
import type { OptionSpec } from './command.js';
import { choiceFlag, numberFlag, requireStringFlag, stringFlag } from './args.js';
import { ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from './run-flags.js';

type Values = Record<string, string | boolean | string[] | undefined>;

const DTYPES = ['f32', 'f16', 'bf16'] as const;

export const TRAIN_FLAGS: OptionSpec = {
  data: { type: 'string', multiple: true },
  replay: { type: 'string' },
  'replay-data': { type: 'string' },
  split: { type: 'string' },
  out: { type: 'string' },
  steps: { type: 'string' },
  'seq-len': { type: 'string' },
  batch: { type: 'string' },
  'grad-accum': { type: 'string' },
  lr: { type: 'string' },
  warmup: { type: 'string' },
  schedule: { type: 'string' },
  'final-lr-ratio': { type: 'string' },
  'weight-decay': { type: 'string' },
  clip: { type: 'string' },
  optimizer: { type: 'string' },
  trainable: { type: 'string' },
  lora: { type: 'boolean' },
  'lora-rank': { type: 'string' },
  'lora-alpha': { type: 'string' },
  'lora-dropout': { type: 'string' },
  'lora-targets': { type: 'string' },
  'lora-layers': { type: 'string' },
  template: { type: 'string' },
  packing: { type: 'string' },
  'bad-lines': { type: 'string' },
  seed: { type: 'string' },
  'no-shuffle': { type: 'boolean' },
  'eval-every': { type: 'string' },
  'eval-data': { type: 'string', multiple: true },
  'eval-samples': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'keep-checkpoints': { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  dtype: { type: 'string' },
  ...ENGINE_FLAGS,
};

export const TRAIN_USAGE = `[--replay SHARE [--replay-data DATA]] [--steps N] [--seq-len L] [--batch B] [--grad-accum G] [--lr X] [--warmup W] [--schedule constant|cosine|linear] [--final-lr-ratio R] [--weight-decay D] [--clip C] [--optimizer adamw|sgd] [--trainable auto|all|i,j,k] [--lora [--lora-rank R] [--lora-alpha A] [--lora-dropout P] [--lora-targets q_proj,v_proj] [--lora-layers i,j]] [--seed S] [--no-shuffle] [--eval-every E --eval-data DATA] [--eval-samples N] [--checkpoint-every C] [--keep-checkpoints K] [--resume] [--force] [--dtype f32|f16|bf16] ${ENGINE_USAGE} [--json]`;

export const TRAIN_DETAILS = [
  '--data [NAME=]DATA[:WEIGHT] (repeatable): mix several sources, e.g. --data code=corpora/code:0.6 --data math=corpora/math:0.4.',
  "  Weights are relative (default 1 each); every step takes each source's share of its tokens. A corpus built from several",
  '  sources by `slayer corpus` (its mixture.json) brings its own sources, weights and replay share.',
  "--replay SHARE (e.g. 0.05): that share of every step's tokens is general text, to limit forgetting; from --replay-data DATA,",
  '  else from the general part of the first built corpus that has one (slayer corpus --general).',
  '--trainable auto (default): the layers slayer.json of MODEL marks trainable (made by `slayer apply`); all: every tensor',
  '  including embeddings, final norm and LM head (full fine-tuning); or 0-based block indices such as 2,5,9.',
  `--lora: train low-rank adapters instead (every base weight frozen): --lora-rank ${LORA_DEFAULTS.rank}, --lora-alpha ${LORA_DEFAULTS.alpha} (the update is scaled by alpha/rank),`,
  `  --lora-dropout ${LORA_DEFAULTS.dropout}, --lora-targets ${LORA_DEFAULTS.targets.join(',')} (any of ${LORA_TARGETS.join(', ')}), --lora-layers all blocks.`,
  '  The trained model holds the merged weights; DIR/adapter is the adapter as PEFT saves it (export it with --format peft).',
  `Defaults: --steps one pass over DATA, --seq-len ${TRAIN_DEFAULTS.seqLen} (at most the model's context), --batch ${TRAIN_DEFAULTS.batch}, --grad-accum ${TRAIN_DEFAULTS.gradAccum},`,
  `  --lr ${TRAIN_DEFAULTS.lr}, --warmup 5% of the steps, --schedule ${TRAIN_DEFAULTS.schedule} down to --final-lr-ratio ${TRAIN_DEFAULTS.finalLrRatio} of the peak,`,
  `  --optimizer adamw (betas ${TRAIN_DEFAULTS.beta1}/${TRAIN_DEFAULTS.beta2}, eps ${TRAIN_DEFAULTS.eps}), --weight-decay ${TRAIN_DEFAULTS.weightDecay} (none on norms and biases), --clip ${TRAIN_DEFAULTS.clip}.`,
  '  --clip 0 and --weight-decay 0 switch those off. Training runs in fp32; --dtype sets how the final weights are stored (default f32).',
  '--seed S orders the data (default 0); --no-shuffle: step s reads the next batch*grad-accum sequences of DATA in file order.',
  '--eval-data DATA (repeatable): held-out data; a built corpus gives its validation part (named after its source when',
  '  several are given) and its general-text part ("general").',
  `  Evaluated at the start, every --eval-every steps and at the end, on --eval-samples sequences each (default ${TRAIN_DEFAULTS.evalSamples}).`,
  `Checkpoints go to DIR/checkpoints every --checkpoint-every steps (default ${TRAIN_DEFAULTS.checkpointEvery}; 0: only at the end), when stopped (Ctrl-C),`,
  `  and at the end; the newest --keep-checkpoints (default ${TRAIN_DEFAULTS.keepCheckpoints}) are kept. --resume continues from the newest complete one.`,
  '--force: start over in an existing DIR (its checkpoints are deleted).',
  'Trained tensors, their gradients and AdamW state are fp32; frozen ones are held as the memory plan chooses (below).',
  'On a GPU: layout (a) keeps everything there, the update included; layout (b) (ZeRO-Offload) keeps the trained weights,',
  '  their gradients and AdamW in host memory. Frozen weights are fp16 where the GPU computes in it; the maths is fp32.',
  '  LoRA adapters and instruction training run on the CPU.',
  ...ENGINE_DETAILS,
];

/** The options every training command shares; `format` and `usage` come from the command. */
export function trainOptions(values: Values, usage: string, format: TrainOptions['format']): TrainOptions {
  if (format === 'text') {
    for (const flag of ['template', 'packing', 'bad-lines']) {
      if (values[flag] !== undefined) throw new UserError(`--${flag} applies to instruction data: use slayer sft (or --format instruct).`);
    }
  }
  const whole = (name: string, min: number) => optional(values, name, { min, integer: true });
  const data = values.data as string[] | undefined;
  if (!data?.length) requireStringFlag(values, 'data', usage);
  const sources = data!.map(parseSourceSpec);
  return {
    data: sources.length === 1 && sources[0].name === undefined && sources[0].weight === undefined ? sources[0].data : sources,
    replay: optional(values, 'replay', { min: 0, max: 1 }),
    replayData: stringFlag(values, 'replay-data'),
    split: values.split === undefined ? undefined : choiceFlag(values, 'split', CORPUS_SPLITS, 'train'),
    out: requireStringFlag(values, 'out', usage),
    steps: whole('steps', 1),
    seqLen: whole('seq-len', 2),
    batch: whole('batch', 1),
    gradAccum: whole('grad-accum', 1),
    lr: optional(values, 'lr', { min: Number.MIN_VALUE }),
    warmup: whole('warmup', 0),
    schedule: values.schedule === undefined ? undefined : choiceFlag(values, 'schedule', SCHEDULES, 'cosine'),
    finalLrRatio: optional(values, 'final-lr-ratio', { min: 0, max: 1 }),
    weightDecay: optional(values, 'weight-decay', { min: 0 }),
    clip: optional(values, 'clip', { min: 0 }),
    optimizer: values.optimizer === undefined ? undefined : choiceFlag(values, 'optimizer', OPTIMIZERS, 'adamw'),
    trainable: trainableFlag(stringFlag(values, 'trainable')),
    lora: loraFlags(values),
    format,
    packing: values.packing === undefined ? undefined : choiceFlag(values, 'packing', INSTRUCT_PACKINGS, 'pack'),
    template: stringFlag(values, 'template'),
    badLines: values['bad-lines'] === undefined ? undefined : choiceFlag(values, 'bad-lines', BAD_LINE_POLICIES, 'stop'),
    seed: whole('seed', 0),
    shuffle: values['no-shuffle'] !== true,
    evalData: values['eval-data'] as string[] | undefined,
    evalEvery: whole('eval-every', 0),
    evalSamples: whole('eval-samples', 1),
    checkpointEvery: whole('checkpoint-every', 0),
    keepCheckpoints: whole('keep-checkpoints', 1),
    resume: values.resume === true,
    overwrite: values.force === true,
    dtype: choiceFlag(values, 'dtype', DTYPES, 'f32'),
    ...engineSettings(values),
  };
}

/** --lora and its settings; a --lora-* flag without --lora is refused (it would do nothing). */
function loraFlags(values: Values): Partial<LoraSettings> | undefined {
  const named = Object.keys(values).filter((k) => k.startsWith('lora-') && values[k] !== undefined);
  if (values.lora !== true) {
    if (named.length) throw new UserError(`--${named[0]} needs --lora (train LoRA adapters).`);
    return undefined;
  }
  const targets = stringFlag(values, 'lora-targets');
  const layers = stringFlag(values, 'lora-layers');
  return {
    rank: optional(values, 'lora-rank', { min: 1, integer: true }),
    alpha: optional(values, 'lora-alpha', { min: Number.MIN_VALUE }),
    dropout: optional(values, 'lora-dropout', { min: 0, max: 0.99 }),
    targets: targets === undefined ? undefined : (list(targets, '--lora-targets') as LoraTarget[]),
    layers: layers === undefined || layers === 'all' ? undefined : indices(layers, '--lora-layers'),
  };
}

/** "auto", "all" or a comma-separated list of 0-based block indices. */
function trainableFlag(raw: string | undefined): TrainableOption | undefined {
  if (raw === undefined || raw === 'auto' || raw === 'all') return raw;
  return indices(raw, '--trainable');
}

function indices(raw: string, flag: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) {
    throw new UserError(
      flag === '--trainable'
        ? `--trainable must be auto, all, or 0-based block indices separated by commas (e.g. 2,5,9); got "${raw}".`
        : `${flag} must be all or 0-based block indices separated by commas (e.g. 0,1,2); got "${raw}".`,
    );
  }
  return parts.map(Number);
}

function list(raw: string, flag: string): string[] {
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UserError(`${flag} takes a comma-separated list; got "${raw}".`);
  return parts;
}

function optional(values: Values, name: string, range: { min?: number; max?: number; integer?: boolean }): number | undefined {
  return values[name] === undefined ? undefined : numberFlag(values, name, 0, range);
}
