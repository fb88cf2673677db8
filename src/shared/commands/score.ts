/**
 * `slayer score` and the 'score' job: how much each block changes its input, measured on a
 * seeded sample of DATA. Every option declared once (src/shared/command-schema.ts).
 */
import { z } from 'zod';
import { flag } from '../command-schema.js';
import { ANALYSIS_PRECISIONS } from '../analysis.js';
import { badLines, engineOptions, path, sampleOptions, split, SPLIT_DESCRIPTION } from './common.js';

export const SCORE_SEQ_LEN = 128;
export const SCORE_SAMPLES = 64;

/** The int8 quick scan, shared by score and probe. */
export const analysisOptions = {
  precision: flag(z.enum(ANALYSIS_PRECISIONS).default('fp32'), {
    flag: 'precision',
    value: ANALYSIS_PRECISIONS.join('|'),
    description: 'int8: a quick scan with int8 products, several times faster; its agreement with fp32 is in docs/analysis.md',
  }),
  weightCache: flag(path.optional(), {
    flag: 'weight-cache',
    value: 'DIR|none',
    description: 'where quick scans keep the int8 weights, one entry per model; none: keep nothing',
    defaultText: '<SLAYER_HOME>/weight-cache',
  }),
};

export const scoreSchema = z.object({
  modelDir: path,
  data: flag(path, { flag: 'data', value: 'DATA', description: 'text to measure on: a file or folder of documents, .jsonl, or a built corpus' }),
  split: flag(split.optional(), { flag: 'split', value: 'PART', description: SPLIT_DESCRIPTION, defaultText: 'train' }),
  ...sampleOptions({ seqLen: SCORE_SEQ_LEN, samples: SCORE_SAMPLES }),
  badLines,
  spans: flag(z.array(z.number().int()).max(16).optional(), {
    flag: 'spans',
    value: 'N[,M]|none',
    description: 'also measure each run of N consecutive layers (read by slayer plan --prune gromov); none to skip',
    defaultText: 'the number of layers the S plan deletes, when 2 or more',
    parse: (raw) => (raw.trim() === 'none' ? [] : raw.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)))),
  }),
  ...analysisOptions,
  ...engineOptions,
});
