/**
 * Flags shared by the commands that run a model (score, probe, eval, generate): where the
 * forward passes run, and which DATA sequences they read.
 */
import { BAD_LINE_POLICIES, CORPUS_SPLITS } from '../main/data/index.js';
import type { DataOptions, EngineSettings } from '../main/evaluate/index.js';
import { PROVIDER_CHOICES } from '../shared/compute.js';
import type { OptionSpec } from './command.js';
import { bytesFlag, choiceFlag, numberFlag, requireStringFlag } from './args.js';

type Values = Record<string, string | boolean | string[] | undefined>;

export const ENGINE_FLAGS: OptionSpec = {
  provider: { type: 'string' },
  threads: { type: 'string' },
  streaming: { type: 'boolean' },
  'max-memory': { type: 'string' },
  'gpu-memory': { type: 'string' },
};
export const ENGINE_USAGE = '[--provider auto|cpu|webgpu|cuda] [--threads N] [--streaming] [--max-memory SIZE] [--gpu-memory SIZE]';
export const ENGINE_DETAILS = [
  '--provider: where the math runs. auto (default): the GPU through WebGPU when one answers and the job fits its memory (CUDA',
  '  when its libraries are installed), else the CPU; the job says which and why. webgpu: the GPU or a one-line refusal.',
  "  --threads N: CPU threads (default: all cores). --gpu-memory SIZE: the GPU's memory, for drivers that do not report it.",
  'Memory is planned before anything loads: weights in fp32 when they fit, else kept as stored (bf16/f16) and widened one block',
  '  at a time, else read from disk one block at a time; a job that fits none of these stops at once and says what would fit.',
  '--streaming: read one block at a time from disk whatever else would fit. --max-memory SIZE (e.g. 12GB): use at most this much.',
];

export const DATA_FLAGS: OptionSpec = {
  data: { type: 'string' },
  'seq-len': { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
  split: { type: 'string' },
  'bad-lines': { type: 'string' },
};
export const DATA_DETAILS = [
  'DATA: a file or folder of .txt, .md, source code, .jsonl ({"text": ...} or {"input_ids": [...]}), or a corpus built by `slayer corpus --out DIR`.',
  '--split train|validation|general-train|general-validation: the part of a built corpus to read (default train).',
  "--samples N: a seeded sample of N sequences (--seed S, default 0). --seq-len: tokens per sequence, at most the model's context.",
  '--bad-lines stop|skip: stop at an unusable JSONL line (default) or skip it and list it.',
];

export function engineSettings(values: Values): EngineSettings {
  return {
    provider: choiceFlag(values, 'provider', PROVIDER_CHOICES, 'auto'),
    threads: optionalNumber(values, 'threads', { min: 1, integer: true }),
    streaming: values.streaming === true,
    memoryLimitBytes: bytesFlag(values, 'max-memory'),
    gpuMemoryBytes: bytesFlag(values, 'gpu-memory'),
  };
}

export function dataOptions(values: Values, usage: string): DataOptions {
  return {
    data: requireStringFlag(values, 'data', usage),
    seqLen: optionalNumber(values, 'seq-len', { min: 1, integer: true }),
    samples: optionalNumber(values, 'samples', { min: 1, integer: true }),
    seed: numberFlag(values, 'seed', 0, { min: 0, integer: true }),
    split: values.split === undefined ? undefined : choiceFlag(values, 'split', CORPUS_SPLITS, 'train'),
    badLines: choiceFlag(values, 'bad-lines', BAD_LINE_POLICIES, 'stop'),
  };
}

/** The flag's number, or undefined when it is absent (the core then picks its default). */
function optionalNumber(values: Values, name: string, range: { min?: number; max?: number; integer?: boolean }): number | undefined {
  return values[name] === undefined ? undefined : numberFlag(values, name, 0, range);
}
