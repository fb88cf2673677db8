/**
 * Options several commands share, declared once: paths, the sequence length, the seed, the part
 * of a built corpus, and where the math runs (the engine options main also fills in from the
 * user's Settings).
 */
import { z } from 'zod';
import { flag } from '../command-schema.js';
import { PROVIDER_CHOICES } from '../compute.js';
import { parseSize } from '../size.js';

export const path = z.string().min(1, 'a path is required');
export const seqLen = z.number().int().min(8).max(131072);
export const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)
  .default(0);
export const split = z.enum(['train', 'validation', 'general-train', 'general-validation']);
export const SPLIT_DESCRIPTION = 'the part of a built corpus to read: train, validation, general-train or general-validation';

/** Where the forward and backward passes run; main fills in what the job leaves out from the user's Settings. */
export const engineOptions = {
  provider: flag(z.enum(PROVIDER_CHOICES as readonly ['auto', 'cpu', 'webgpu', 'cuda']).optional(), {
    flag: 'provider',
    value: 'auto|cpu|webgpu|cuda',
    description: 'where the math runs: auto picks the GPU when one answers and the job fits, else the CPU',
    defaultText: 'auto',
  }),
  threads: flag(z.number().int().min(1).max(256).optional(), {
    flag: 'threads',
    value: 'N',
    description: 'CPU threads',
    defaultText: 'all cores',
  }),
  streaming: flag(z.boolean().optional(), { flag: 'streaming', description: 'read the weights from disk one block at a time whatever else would fit' }),
  memoryLimitBytes: flag(z.number().positive().optional(), {
    flag: 'max-memory',
    value: 'SIZE',
    description: 'use at most this much memory, e.g. 12GB',
    defaultText: "the machine's free memory",
    parse: (raw) => parseSize(raw, 'max-memory'),
  }),
  gpuMemoryBytes: flag(z.number().positive().optional(), {
    flag: 'gpu-memory',
    value: 'SIZE',
    description: "the GPU's memory, for drivers that do not report it",
    parse: (raw) => parseSize(raw, 'gpu-memory'),
  }),
};

/** What to do with a JSONL line that cannot be used. */
export const BAD_LINE_CHOICES = ['stop', 'skip'] as const;
export const badLines = flag(z.enum(BAD_LINE_CHOICES).optional(), {
  flag: 'bad-lines',
  value: 'stop|skip',
  description: 'an unusable JSONL line stops the run, or is skipped and listed',
  defaultText: 'stop',
});

/** Multiple-choice questions scored with the perplexity data. */
export const qa = flag(path.optional(), {
  flag: 'qa',
  value: 'QA',
  description: 'multiple-choice questions (.jsonl: question, choices, answer), each choice scored by its log-likelihood',
});

/**
 * The seeded sample of sequences a layer measurement reads (score, probe): tokens per sequence
 * (at most the model's context), how many sequences, and the seed that picks them.
 */
export function sampleOptions(defaults: { seqLen: number; samples: number }) {
  return {
    seqLen: flag(seqLen.optional(), {
      flag: 'seq-len',
      value: 'L',
      description: 'tokens per sequence',
      defaultText: `${defaults.seqLen}, at most the model's context`,
    }),
    samples: flag(z.number().int().min(1).max(1_000_000).default(defaults.samples), {
      flag: 'samples',
      value: 'N',
      description: 'sequences measured (a seeded sample)',
    }),
    seed: flag(seed, { flag: 'seed', value: 'S', description: 'seeds the sample of sequences' }),
  };
}
