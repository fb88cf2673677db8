/**
 * `slayer corpus` and the 'corpus' job: documents read, deduplicated, tokenised into the token
 * cache and split. Every option declared once (src/shared/command-schema.ts); the job is the
 * same object with what the command line gives as positionals (the sources) and a required
 * domain and output folder.
 */
import { z } from 'zod';
import { flag, sameFlag } from '../command-schema.js';
import { HTML_READINGS } from '../corpus.js';
import { domains } from '../domains.js';
import { badLines, path, seed, seqLen } from './common.js';

export const CORPUS_SEQ_LEN = 512;

const domain = z.enum(domains);
const replayShare = z.number().min(0).lt(1, 'the replay share must be below 1');

/** The flags of `slayer corpus` (its DATA sources are positionals). */
export const corpusSchema = z.object({
  modelDir: flag(path, { flag: 'model', value: 'MODEL', description: 'the model folder whose tokenizer splits the text into tokens' }),
  domain: flag(domain.nullable().default(null), {
    flag: 'domain',
    value: domains.join('|'),
    description: 'the field of the documents; it decides how web pages are read and what the report warns about',
    defaultText: 'none',
  }),
  html: flag(z.enum(HTML_READINGS).nullable().default(null), {
    flag: 'html',
    value: HTML_READINGS.join('|'),
    description: 'read web pages as documents (their main text) or as source code (as written)',
    defaultText: 'code with --domain code, documents otherwise',
  }),
  general: flag(path.nullable().default(null), {
    flag: 'general',
    value: 'DATA',
    description: 'everyday text held out the same way, for the forgetting check',
  }),
  replay: flag(replayShare.default(0), {
    flag: 'replay',
    value: 'SHARE',
    description: 'recorded with the mixture: this share of every training step is the --general text, e.g. 0.05',
  }),
  seqLen: flag(seqLen.default(CORPUS_SEQ_LEN), {
    flag: 'seq-len',
    value: 'N',
    description: 'tokens per sequence, for the histogram, the truncated share and the sequence counts',
  }),
  seed: flag(seed, { flag: 'seed', value: 'S', description: 'chooses the documents held out for validation' }),
  validationFraction: flag(z.number().min(0).max(0.5).default(0.1), {
    flag: 'validation',
    value: 'F',
    description: 'share of documents held out for validation',
  }),
  textField: flag(z.string().min(1).default('text'), { flag: 'text-field', value: 'NAME', description: 'the field of a .jsonl line that holds its text' }),
  badLines,
  out: flag(path.optional(), {
    flag: 'out',
    value: 'DIR',
    description: 'write DIR/corpus.json (read by slayer train/eval/score --data DIR); several sources need it',
    defaultText: 'report only',
  }),
  cache: flag(path.optional(), {
    flag: 'cache',
    value: 'DIR',
    description: 'where the tokens are cached and reused while the documents, tokenizer and settings stay the same',
    defaultText: "DIR/cache with --out, else the app's data folder",
  }),
});

const sourceName = z.string().regex(/^[A-Za-z][\w.-]{0,63}$/, 'a source name starts with a letter and holds letters, digits, ".", "_" or "-"');
const weight = z.number().positive('a weight must be positive').finite();

/**
 * The 'corpus' job: the flags above, with the domain and the output folder required, and the
 * sources the command line gives as positionals: `data` (the first, named `name`, weighted
 * `weight`) and more sources mixed by weight. The cache defaults to the folder beside `out`.
 */
export const corpusJobSchema = corpusSchema.extend({
  domain: sameFlag(domain, corpusSchema.shape.domain),
  out: sameFlag(path, corpusSchema.shape.out),
  data: path,
  name: sourceName.optional(),
  weight: weight.default(1),
  sources: z
    .array(z.object({ name: sourceName, data: path, weight, domain: domain.nullable().default(null) }))
    .max(16)
    .default([]),
});
