/**
 * `slayer train` and `slayer sft`, and the 'train' job: every training option declared once,
 * with its range, default and one-line description. The CLI parses and documents these flags,
 * the compute job validates its parameters with this object, the Inject step takes its form
 * defaults from it and shows the command line it makes (src/shared/command-schema.ts).
 */
import { z } from 'zod';
import { commandLine, flag } from '../command-schema.js';
import { WEIGHT_DTYPES } from '../estimate.js';
import { UserError } from '../errors.js';
import { INSTRUCT_PACKINGS } from '../instruct.js';
import { SCHEDULES } from '../schedules.js';
import { DEFAULTS, LORA_DEFAULTS, LORA_TARGETS, OPTIMIZERS } from '../training.js';
import { engineOptions, path, seed, split, SPLIT_DESCRIPTION } from './common.js';

/** What the training data is: plain text (continued pre-training) or instruction examples (the instruct stage). */
export const DATA_FORMATS = ['text', 'instruct'] as const;

/** One training source: a file, folder or built corpus, with an optional name and sampling weight (default 1). */
export const source = z.object({ name: z.string().min(1).optional(), data: path, weight: z.number().optional() });
export type SourceSpec = z.infer<typeof source>;

/** "[NAME=]DATA[:WEIGHT]", e.g. code=corpora/code:0.6; a ":" followed by a path separator belongs to the path. */
export function parseSourceSpec(spec: string): SourceSpec {
  let rest = spec.trim();
  let name: string | undefined;
  const named = /^([A-Za-z][\w.-]*)=(.+)$/.exec(rest);
  if (named) [, name, rest] = named;
  const colon = rest.lastIndexOf(':');
  const suffix = rest.slice(colon + 1);
  if (colon <= 0 || /[\\/]/.test(suffix)) return { name, data: rest };
  const weight = suffix.trim() === '' ? NaN : Number(suffix);
  if (Number.isNaN(weight)) throw new UserError(`"${spec}": the weight after ":" must be a number, got "${suffix}". Write DIR:0.6, or NAME=DIR:0.6.`);
  return { name, data: rest.slice(0, colon), weight };
}

/** A source as its flag writes it: the inverse of parseSourceSpec. */
export function showSource(s: unknown): string {
  if (typeof s === 'string') return s;
  const { name, data, weight } = s as SourceSpec;
  return `${name === undefined ? '' : `${name}=`}${data}${weight === undefined ? '' : `:${weight}`}`;
}

/** "auto", "all", or 0-based block indices separated by commas. */
function parseTrainable(raw: string): unknown {
  if (raw === 'auto' || raw === 'all') return raw;
  return indices(raw, '--trainable must be auto, all, or 0-based block indices separated by commas (e.g. 2,5,9)');
}

function indices(raw: string, what: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) throw new UserError(`${what}; got "${raw}".`);
  return parts.map(Number);
}

const blockIndex = z.number().int().min(0);

export const loraOptions = z.object({
  rank: flag(z.number().int().min(1).max(65536).default(LORA_DEFAULTS.rank), { flag: 'lora-rank', value: 'R', description: 'the rank of each adapter' }),
  alpha: flag(z.number().positive().default(LORA_DEFAULTS.alpha), { flag: 'lora-alpha', value: 'A', description: 'the update is scaled by alpha/rank' }),
  dropout: flag(z.number().min(0).max(0.99).default(LORA_DEFAULTS.dropout), {
    flag: 'lora-dropout',
    value: 'P',
    description: "dropout on the adapter's input",
  }),
  targets: flag(
    z
      .array(z.enum(LORA_TARGETS))
      .min(1)
      .default([...LORA_DEFAULTS.targets]),
    { flag: 'lora-targets', value: 'q_proj,v_proj', description: `the projections that get adapters, any of ${LORA_TARGETS.join(', ')}` },
  ),
  layers: flag(z.array(blockIndex).min(1).optional(), {
    flag: 'lora-layers',
    value: 'all|i,j',
    description: 'the 0-based blocks that get adapters',
    defaultText: 'all',
    parse: (raw) => (raw === 'all' ? undefined : indices(raw, '--lora-layers must be all or 0-based block indices separated by commas (e.g. 0,1,2)')),
  }),
});

/** Every option of a training run: the 'train' job's parameters, and the flags of `slayer train` (MODEL is its positional). */
export const trainSchema = z.object({
  modelDir: path,
  data: flag(z.union([path, z.array(source).min(1).max(16)]), {
    flag: 'data',
    value: '[NAME=]DATA[:WEIGHT]',
    multiple: true,
    description: 'training text: a file, folder or built corpus; repeat it to mix sources by weight',
    parse: parseSourceSpec,
    show: showSource,
  }),
  replay: flag(z.number().min(0).lt(1, 'the replay share must be below 1').optional(), {
    flag: 'replay',
    value: 'SHARE',
    description: "share of every step's tokens taken from general text to limit forgetting, e.g. 0.05",
    defaultText: "0, or a built corpus's own share",
  }),
  replayData: flag(path.optional(), {
    flag: 'replay-data',
    value: 'DATA',
    description: 'the general text replayed',
    defaultText: 'the general part of the first built corpus that has one',
  }),
  split: flag(split.optional(), { flag: 'split', value: 'PART', description: SPLIT_DESCRIPTION, defaultText: 'train' }),
  out: flag(path, { flag: 'out', value: 'DIR', description: 'the trained model folder; checkpoints go to DIR/checkpoints' }),
  format: flag(z.enum(DATA_FORMATS).optional(), {
    flag: 'format',
    value: 'text|instruct',
    description: 'text: continued pre-training; instruct: instruction examples, as slayer sft',
    defaultText: 'text',
  }),
  steps: flag(z.number().int().min(1).max(10_000_000).optional(), {
    flag: 'steps',
    value: 'N',
    description: 'optimizer steps',
    defaultText: 'one pass over DATA',
  }),
  seqLen: flag(z.number().int().min(2).max(131072).optional(), {
    flag: 'seq-len',
    value: 'L',
    description: 'tokens per training sequence',
    defaultText: `${DEFAULTS.seqLen}, at most the model's context`,
  }),
  batch: flag(z.number().int().min(1).max(4096).default(DEFAULTS.batch), { flag: 'batch', value: 'B', description: 'sequences per forward/backward pass' }),
  gradAccum: flag(z.number().int().min(1).max(4096).default(DEFAULTS.gradAccum), {
    flag: 'grad-accum',
    value: 'G',
    description: 'forward/backward passes per optimizer step',
  }),
  lr: flag(z.number().positive().max(10).default(DEFAULTS.lr), { flag: 'lr', value: 'X', description: 'peak learning rate' }),
  warmup: flag(z.number().int().min(0).optional(), {
    flag: 'warmup',
    value: 'W',
    description: 'steps of linear warmup to the peak learning rate',
    defaultText: `${DEFAULTS.warmupFraction * 100}% of the steps`,
  }),
  schedule: flag(z.enum(SCHEDULES).default(DEFAULTS.schedule), { flag: 'schedule', value: SCHEDULES.join('|'), description: 'learning rate after the warmup' }),
  finalLrRatio: flag(z.number().min(0).max(1).default(DEFAULTS.finalLrRatio), {
    flag: 'final-lr-ratio',
    value: 'R',
    description: 'the learning rate decays to this fraction of its peak (linear, cosine)',
  }),
  weightDecay: flag(z.number().min(0).max(10).default(DEFAULTS.weightDecay), {
    flag: 'weight-decay',
    value: 'D',
    description: 'decoupled weight decay, none on norms and biases; 0 switches it off',
  }),
  clip: flag(z.number().min(0).default(DEFAULTS.clip), { flag: 'clip', value: 'C', description: 'global gradient-norm limit; 0 switches clipping off' }),
  optimizer: flag(z.enum(OPTIMIZERS).default(DEFAULTS.optimizer), {
    flag: 'optimizer',
    value: OPTIMIZERS.join('|'),
    description: `adamw (betas ${DEFAULTS.beta1}/${DEFAULTS.beta2}, eps ${DEFAULTS.eps}) or plain sgd`,
  }),
  trainable: flag(z.union([z.enum(['auto', 'all']), z.array(blockIndex).min(1)]).default('auto'), {
    flag: 'trainable',
    value: 'auto|all|i,j,k',
    description: 'auto: the layers slayer.json marks trainable; all: full fine-tuning; or 0-based block indices',
    parse: parseTrainable,
  }),
  lora: flag(loraOptions.optional(), { flag: 'lora', description: 'train LoRA adapters instead, every base weight frozen' }),
  template: flag(path.optional(), {
    flag: 'template',
    value: 'FILE',
    description: "instruction data: a Jinja chat template instead of the model's own",
  }),
  packing: flag(z.enum(INSTRUCT_PACKINGS).optional(), {
    flag: 'packing',
    value: INSTRUCT_PACKINGS.join('|'),
    description: 'instruction data: several examples per sequence, or one padded',
    defaultText: 'pack',
  }),
  badLines: flag(z.enum(['stop', 'skip']).optional(), {
    flag: 'bad-lines',
    value: 'stop|skip',
    description: 'instruction data: stop at an unusable line, or skip it and list it',
    defaultText: 'stop',
  }),
  seed: flag(seed, { flag: 'seed', value: 'S', description: 'orders the training data' }),
  shuffle: flag(z.boolean().default(true), {
    flag: 'no-shuffle',
    negates: true,
    description: 'read the data in file order: step s takes the next batch*grad-accum sequences',
  }),
  evalData: flag(z.array(path).max(16).optional(), {
    flag: 'eval-data',
    value: 'DATA',
    multiple: true,
    description: 'held-out data (repeatable); a built corpus gives its validation and general parts',
  }),
  evalEvery: flag(z.number().int().min(0).optional(), {
    flag: 'eval-every',
    value: 'E',
    description: 'evaluate the held-out data every E steps, besides the start and the end',
    defaultText: '0: start and end only',
  }),
  evalSamples: flag(z.number().int().min(1).max(1_000_000).default(DEFAULTS.evalSamples), {
    flag: 'eval-samples',
    value: 'N',
    description: 'held-out sequences per evaluation (seeded sample)',
  }),
  checkpointEvery: flag(z.number().int().min(0).default(DEFAULTS.checkpointEvery), {
    flag: 'checkpoint-every',
    value: 'C',
    description: 'save a checkpoint every C steps (and when stopped, and at the end); 0: not between',
  }),
  keepCheckpoints: flag(z.number().int().min(1).default(DEFAULTS.keepCheckpoints), {
    flag: 'keep-checkpoints',
    value: 'K',
    description: 'complete checkpoints kept; older ones are deleted',
  }),
  resume: flag(z.boolean().default(false), { flag: 'resume', description: 'continue from the newest complete checkpoint in DIR/checkpoints' }),
  overwrite: flag(z.boolean().default(false), { flag: 'force', description: 'start over in an existing DIR (its checkpoints are deleted)' }),
  dtype: flag(z.enum(WEIGHT_DTYPES).default(DEFAULTS.dtype), {
    flag: 'dtype',
    value: WEIGHT_DTYPES.join('|'),
    description: "how the trained model's weights are stored (training itself runs in fp32)",
  }),
  ...engineOptions,
});

/** `slayer sft`: the same options, the data always instruction examples. */
export const sftSchema = trainSchema.omit({ format: true });

export type TrainJobRequest = z.input<typeof trainSchema>;

/** The defaults of the options that have one, read from the schema (what a form starts from). */
export const TRAIN_OPTION_DEFAULTS = trainSchema.partial({ modelDir: true, data: true, out: true }).parse({});

/** The `slayer train` (or, for instruction data, `slayer sft`) command line that runs the job `params`. */
export function trainCommandLine(params: TrainJobRequest): string {
  const parsed = trainSchema.parse(params);
  if (parsed.format === 'instruct') return commandLine(['slayer', 'sft', parsed.modelDir], sftSchema, parsed);
  return commandLine(['slayer', 'train', parsed.modelDir], trainSchema, parsed);
}
