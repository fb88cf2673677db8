/**
 * `slayer eval` and the 'eval' job: perplexity on DATA, multiple-choice accuracy and benchmark
 * tasks. Every option declared once (src/shared/command-schema.ts); the Evaluate step shows the
 * command line of each of its runs from the same object.
 */
import { z } from 'zod';
import { commandLine, flag, sameFlag } from '../command-schema.js';
import { BOS_POLICIES } from '../evaluation.js';
import { badLines, engineOptions, path, qa, seed, seqLen, split, SPLIT_DESCRIPTION } from './common.js';

export const EVAL_SEQ_LEN = 512;

/** `slayer eval`: DATA, tasks, or both. */
export const evalSchema = z.object({
  modelDir: path,
  data: flag(path.optional(), {
    flag: 'data',
    value: 'DATA',
    description: 'text to measure perplexity on: a file or folder of documents, .jsonl, or a built corpus',
    defaultText: 'none: only the tasks run',
  }),
  split: flag(split.optional(), { flag: 'split', value: 'PART', description: SPLIT_DESCRIPTION, defaultText: 'train' }),
  qa,
  tasks: flag(z.array(path).max(64).optional(), {
    flag: 'task',
    value: 'FILE|bundled:NAME',
    multiple: true,
    description: 'a benchmark task: a task file (.json), a JSONL file of benchmark records or a bundled set; repeatable, or a comma list',
  }),
  seqLen: flag(seqLen.optional(), {
    flag: 'seq-len',
    value: 'L',
    description: 'tokens per sequence',
    defaultText: `${EVAL_SEQ_LEN}, at most the model's context`,
  }),
  samples: flag(z.number().int().min(1).max(1_000_000).optional(), {
    flag: 'samples',
    value: 'N',
    description: 'a seeded sample of N sequences',
    defaultText: 'all of them',
  }),
  seed: flag(seed, { flag: 'seed', value: 'S', description: 'seeds the sample of sequences' }),
  badLines,
  fewshot: flag(z.number().int().min(0).max(256).optional(), {
    flag: 'fewshot',
    value: 'K',
    description: 'few-shot examples for every task',
    defaultText: "each task's own",
  }),
  limit: flag(z.number().int().min(1).optional(), { flag: 'limit', value: 'N', description: 'only the first N items of every task', defaultText: 'all' }),
  bos: flag(z.enum(BOS_POLICIES).optional(), {
    flag: 'bos',
    value: BOS_POLICIES.join('|'),
    description: 'a BOS token before every text as the tokenizer says, always, or never',
    defaultText: 'tokenizer',
  }),
  ...engineOptions,
});

/** The 'eval' job: the same options, DATA required (a job measures perplexity; tasks come with it). */
export const evalJobSchema = evalSchema.extend({ data: sameFlag(path, evalSchema.shape.data) });

export type EvalJobRequest = z.input<typeof evalJobSchema>;

/** The `slayer eval` command line that runs the job `params`; a seed that was chosen is written even when it is the default, as part of the record. */
export function evalCommandLine(params: EvalJobRequest): string {
  const parsed = evalJobSchema.parse(params);
  return commandLine(['slayer', 'eval', parsed.modelDir], evalSchema, parsed, params.seed === undefined ? [] : ['seed']);
}
