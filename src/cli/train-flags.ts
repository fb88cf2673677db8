/**
 * `slayer train` and `slayer sft` read their flags through the training schema
 * (src/shared/commands/train.ts), which declares every option once; this module adds what only
 * the command line needs: which flags belong to instruction data, and the longer explanations
 * of --help.
 */
import type { z } from 'zod';
import { UserError } from '../shared/errors.js';
import { helpLines, parseArgsOptions, parseFlags } from '../shared/command-schema.js';
import type { trainSchema } from '../shared/commands/train.js';
import { DEFAULTS } from '../shared/training.js';
import type { TrainOptions } from '../main/train/index.js';
import type { Command } from './command.js';
import { ENGINE_DETAILS } from './run-flags.js';

type Values = Record<string, string | boolean | string[] | undefined>;
type TrainLike = typeof trainSchema | z.ZodObject<Omit<(typeof trainSchema)['shape'], 'format'>>;

export const TRAIN_DETAILS = [
  'DATA given several times is a mixture, e.g. --data code=corpora/code:0.6 --data math=corpora/math:0.4. Weights are relative',
  "  (default 1 each); every step takes each source's share of its tokens. A corpus built from several sources by",
  '  `slayer corpus` (its mixture.json) brings its own sources, weights and replay share.',
  '--replay SHARE takes general text from --replay-data, else from the general part of the first built corpus that has one',
  '  (slayer corpus --general).',
  '--trainable auto trains what `slayer apply` marked trainable in slayer.json; all trains every tensor, embeddings,',
  '  final norm and LM head included (full fine-tuning).',
  '--lora: the trained model holds the merged weights; DIR/adapter is the adapter as PEFT saves it (slayer export --format peft).',
  `The learning rate warms up linearly for --warmup steps, then follows --schedule down to --final-lr-ratio of the peak.`,
  `AdamW uses betas ${DEFAULTS.beta1}/${DEFAULTS.beta2} and eps ${DEFAULTS.eps}.`,
  'Checkpoints are also written when stopped (Ctrl-C) and at the end; --resume continues from the newest complete one.',
  'Trained tensors, their gradients and AdamW state are fp32; frozen ones are held as the memory plan chooses (below).',
  'On a GPU: layout (a) keeps everything there, the update included; layout (b) (ZeRO-Offload) keeps the trained weights,',
  '  their gradients and AdamW in host memory. Frozen weights are fp16 where the GPU computes in it; the maths is fp32.',
  '  LoRA adapters and instruction training run on the CPU.',
  ...ENGINE_DETAILS,
];

/** Flags that apply to instruction data only. */
const INSTRUCTION_FLAGS = ['template', 'packing', 'bad-lines'];

/** A training command's parseArgs options and --help lines, from its schema. */
export function trainCommandOptions(schema: TrainLike): Pick<Command, 'options' | 'optionHelp'> {
  return { options: parseArgsOptions(schema), optionHelp: helpLines(schema) };
}

/** The job parameters the flags give (defaults filled in), for the model folder `modelDir`, as TrainOptions. */
export function trainOptions(schema: TrainLike, values: Values, modelDir: string, usage: string, given: { format?: 'instruct' } = {}): TrainOptions {
  const format = given.format ?? values.format ?? 'text';
  if (format === 'text') {
    for (const f of INSTRUCTION_FLAGS) {
      if (values[f] !== undefined) throw new UserError(`--${f} applies to instruction data: use slayer sft (or --format instruct).`);
    }
  }
  const p = parseFlags(schema, values, { modelDir, ...given }, usage);
  const { modelDir: _model, data, ...options } = p;
  // One unnamed source without a weight is plain DATA.
  const single = Array.isArray(data) && data.length === 1 && data[0].name === undefined && data[0].weight === undefined;
  return { ...options, ...given, data: single ? data[0].data : data };
}
