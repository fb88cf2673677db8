/**
 * `slayer probe` and the 'probe' job: perplexity (and optional QA accuracy) with each layer
 * dropped, or with one block inserted after it. Every option declared once
 * (src/shared/command-schema.ts).
 */
import { z } from 'zod';
import { flag } from '../command-schema.js';
import { PROBE_INITS, PROBE_KINDS } from '../analysis.js';
import { badLines, engineOptions, path, qa, sampleOptions, split, SPLIT_DESCRIPTION } from './common.js';
import { analysisOptions } from './score.js';

/** Defaults as for scoring: every probe runs the whole set once, layers + 1 times in all. */
export const PROBE_SEQ_LEN = 128;
export const PROBE_SAMPLES = 64;

export const probeSchema = z.object({
  modelDir: path,
  kind: flag(z.enum(PROBE_KINDS), {
    flag: 'kind',
    value: PROBE_KINDS.join('|'),
    description: 'drop: the model without layer i; insert: an extra block after layer i',
  }),
  init: flag(z.enum(PROBE_INITS).default('copy'), {
    flag: 'init',
    value: PROBE_INITS.join('|'),
    description: 'how an inserted block starts: a copy of layer i, or the mean of layers i and i+1',
  }),
  data: flag(path, { flag: 'data', value: 'DATA', description: 'text to measure perplexity on: a file or folder of documents, .jsonl, or a built corpus' }),
  split: flag(split.optional(), { flag: 'split', value: 'PART', description: SPLIT_DESCRIPTION, defaultText: 'train' }),
  qa,
  ...sampleOptions({ seqLen: PROBE_SEQ_LEN, samples: PROBE_SAMPLES }),
  badLines,
  ...analysisOptions,
  ...engineOptions,
});
