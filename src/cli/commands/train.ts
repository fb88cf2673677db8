/** `slayer train MODEL --data DATA --out DIR`: continued pre-training of the plan's trainable layers. */
import { UserError } from '../../shared/errors.js';
import { CORPUS_SPLITS } from '../../main/data/index.js';
import { OPTIMIZERS, SCHEDULES, TRAIN_DEFAULTS, train, type TrainableOption, type TrainResult } from '../../main/train/index.js';
import type { Command } from '../command.js';
import { choiceFlag, numberFlag, requirePositional, requireStringFlag, stringFlag } from '../args.js';
import { ENGINE_DETAILS, ENGINE_FLAGS, ENGINE_USAGE, engineSettings } from '../run-flags.js';

const USAGE = `slayer train MODEL --data DATA --out DIR [--steps N] [--seq-len L] [--batch B] [--grad-accum G] [--lr X] [--warmup W] [--schedule constant|cosine|linear] [--final-lr-ratio R] [--weight-decay D] [--clip C] [--optimizer adamw|sgd] [--trainable auto|all|i,j,k] [--seed S] [--no-shuffle] [--eval-every E --eval-data DATA] [--eval-samples N] [--checkpoint-every C] [--keep-checkpoints K] [--resume] [--force] [--dtype f32|f16|bf16] [--split S] ${ENGINE_USAGE} [--json]`;

type Values = Record<string, string | boolean | string[] | undefined>;

const DTYPES = ['f32', 'f16', 'bf16'] as const;

export const trainCommand: Command<TrainResult> = {
  usage: USAGE,
  details: [
    'DATA: a file or folder of text, source code or .jsonl, or a corpus built by `slayer corpus --out DIR` (its train part, or --split).',
    '--trainable auto (default): the layers slayer.json of MODEL marks trainable (made by `slayer apply`); all: every tensor',
    '  including embeddings, final norm and LM head (full fine-tuning); or 0-based block indices such as 2,5,9.',
    `Defaults: --steps one pass over DATA, --seq-len ${TRAIN_DEFAULTS.seqLen} (at most the model's context), --batch ${TRAIN_DEFAULTS.batch}, --grad-accum ${TRAIN_DEFAULTS.gradAccum},`,
    `  --lr ${TRAIN_DEFAULTS.lr}, --warmup 5% of the steps, --schedule ${TRAIN_DEFAULTS.schedule} down to --final-lr-ratio ${TRAIN_DEFAULTS.finalLrRatio} of the peak,`,
    `  --optimizer adamw (betas ${TRAIN_DEFAULTS.beta1}/${TRAIN_DEFAULTS.beta2}, eps ${TRAIN_DEFAULTS.eps}), --weight-decay ${TRAIN_DEFAULTS.weightDecay} (none on norms and biases), --clip ${TRAIN_DEFAULTS.clip}.`,
    '  --clip 0 and --weight-decay 0 switch those off. Training runs in fp32; --dtype sets how the final weights are stored (default f32).',
    '--seed S orders the data (default 0); --no-shuffle: step s reads the next batch*grad-accum sequences of DATA in file order.',
    '--eval-data DATA (repeatable): held-out text; a built corpus gives its validation ("domain") and general-text ("general") parts.',
    `  Evaluated at the start, every --eval-every steps and at the end, on --eval-samples sequences each (default ${TRAIN_DEFAULTS.evalSamples}).`,
    `Checkpoints go to DIR/checkpoints every --checkpoint-every steps (default ${TRAIN_DEFAULTS.checkpointEvery}; 0: only at the end), when stopped (Ctrl-C),`,
    `  and at the end; the newest --keep-checkpoints (default ${TRAIN_DEFAULTS.keepCheckpoints}) are kept. --resume continues from the newest complete one.`,
    '--force: start over in an existing DIR (its checkpoints are deleted).',
    'Trained tensors, their gradients and AdamW state are fp32; frozen ones are held as the memory plan chooses (below).',
    ...ENGINE_DETAILS,
  ],
  options: {
    data: { type: 'string' },
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
  },
  async run(positionals, values, ctx) {
    const model = requirePositional(positionals, 0, 'the model folder', USAGE);
    const whole = (name: string, min: number) => optional(values, name, { min, integer: true });
    const engine = engineSettings(values);
    return train(
      model,
      {
        data: requireStringFlag(values, 'data', USAGE),
        split: values.split === undefined ? undefined : choiceFlag(values, 'split', CORPUS_SPLITS, 'train'),
        out: requireStringFlag(values, 'out', USAGE),
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
        ...engine,
      },
      ctx,
    );
  },
  format(r) {
    const first = r.losses[0];
    const last = r.losses.at(-1);
    const lines = [
      `Trained      ${r.trainableParameters.toLocaleString('en-US')} parameters (${r.trainGlobals ? 'all tensors' : `blocks ${r.trainableLayers.join(', ')}`}) for ${r.steps} steps${r.resumedFrom === null ? '' : ` (resumed from step ${r.resumedFrom})`}`,
      `Loss         ${first?.toFixed(4)} -> ${last?.toFixed(4)}`,
      `Speed        ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s on ${r.provider} (${r.threads} threads)`,
    ];
    const finalEvals = r.evals.filter((e) => e.step === r.steps);
    for (const e of finalEvals) {
      const before = r.evals.find((b) => b.step === 0 && b.name === e.name);
      lines.push(`Held-out     ${e.name}: perplexity ${before ? `${before.perplexity.toFixed(3)} -> ` : ''}${e.perplexity.toFixed(3)}`);
    }
    lines.push(`Model        ${r.out}`);
    return lines.join('\n');
  },
};

/** "auto", "all" or a comma-separated list of 0-based block indices. */
function trainableFlag(raw: string | undefined): TrainableOption | undefined {
  if (raw === undefined || raw === 'auto' || raw === 'all') return raw;
  const parts = raw.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) {
    throw new UserError(`--trainable must be auto, all, or 0-based block indices separated by commas (e.g. 2,5,9); got "${raw}".`);
  }
  return parts.map(Number);
}

function optional(values: Values, name: string, range: { min?: number; max?: number; integer?: boolean }): number | undefined {
  return values[name] === undefined ? undefined : numberFlag(values, name, 0, range);
}
