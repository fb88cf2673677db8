/**
 * `slayer corpus DATA --model MODEL`: read a folder of raw documents, remove duplicates,
 * tokenise with the model's tokenizer into the token cache, split by document, and report
 * what was kept, what was skipped and why, and what to watch out for.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { readModelConfig } from '../../main/model/config.js';
import { ModelTokenizer } from '../../main/model/tokenizer.js';
import {
  buildCorpus,
  buildMixedCorpus,
  clearMixture,
  DOMAINS,
  parseSourceSpec,
  saveCorpusReport,
  type CorpusReport,
  type Domain,
} from '../../main/data/index.js';
import type { CorpusMixture } from '../../shared/mixture.js';
import { defaultHome } from '../../main/settings.js';
import { HTML_READING_LABELS } from '../../shared/corpus.js';
import { helpLines, parseArgsOptions, parseFlags } from '../../shared/command-schema.js';
import { corpusSchema } from '../../shared/commands/corpus.js';
import type { Command } from '../command.js';
import { requirePositional } from '../args.js';

const USAGE = 'slayer corpus [NAME=]DATA[:WEIGHT]... --model MODEL [options] [--out DIR] [--json]';

export interface CorpusCommandResult extends CorpusReport {
  out: { report: string | null; cache: string };
  /** Several sources (or a replay share): their weights, shares and tokens. */
  mixture: CorpusMixture | null;
}

const LISTED_SKIPS = 20;
const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export const corpusCommand: Command<CorpusCommandResult> = {
  usage: USAGE,
  details: [
    'DATA: a file or folder (read recursively) of .txt, .md, source code, .jsonl ({"text": ...} or {"input_ids": [...]}), .pdf,',
    '  Word (.docx, .doc), OpenDocument (.odt), .rtf, e-books (.epub) and web pages (.html, .htm, .xhtml). Files without',
    '  an extension, or with one that names no type (Apache-2.0, notes.v2), are judged by their content.',
    'Skipped: binaries, .git, node_modules and other vendored or build folders, lock files, minified and generated files,',
    '  PDF pages without text (listed with their page numbers); each with its reason.',
    'Exact and near duplicates (MinHash over 5-word shingles, Jaccard >= 0.8) are removed; the first copy stays.',
    'Tokens are cached in --cache DIR (default DIR/cache with --out, else the app data folder) and reused',
    '  while the documents, the tokenizer and the reading settings stay the same.',
    '--out DIR also writes DIR/corpus.json, which `slayer train/eval/score --data DIR` read.',
    'Several sources, e.g. code=docs/code:0.6 math=docs/math:0.4 (weights relative, default 1; NAME defaults to the folder name,',
    "  and a NAME of code, math or legal sets that source's field): the first is built in DIR, each other in DIR/sources/NAME,",
    '  and DIR/mixture.json records the weights, so `slayer train --data DIR` trains on the mixture. Needs --out.',
    '--replay SHARE (e.g. 0.05): recorded with the mixture: that share of every training step is the --general text.',
  ],
  options: parseArgsOptions(corpusSchema),
  optionHelp: helpLines(corpusSchema),
  async run(positionals, values, ctx) {
    requirePositional(positionals, 0, 'the documents (a file or folder)', USAGE);
    const specs = positionals.map(parseSourceSpec);
    const { modelDir: model, out, cache, replay, ...options } = parseFlags(corpusSchema, values, {}, USAGE);
    const mixed = specs.length > 1 || specs[0].weight !== undefined || replay > 0;
    const data = specs[0].data;
    const seqLen = options.seqLen;
    const tokenizer = await ModelTokenizer.load(model);
    // Token ids in input_ids lines must fit the model's embedding, which may have more rows than the tokenizer uses.
    const hasConfig = await stat(join(model, 'config.json')).then(
      () => true,
      () => false,
    );
    const vocabSize = hasConfig ? (await readModelConfig(model)).vocabSize : tokenizer.vocabSize;
    const cacheRoot = resolve(cache ?? (out ? join(out, 'cache') : join(defaultHome(), 'token-cache')));
    const settings = { ...options, tokenizer, cacheRoot, vocabSize };
    if (mixed && !out) throw new UserError('Several sources (or a replay share) need --out DIR, where each source and mixture.json are written.');
    const built = mixed
      ? await buildMixedCorpus(
          specs.map((spec) => ({ ...spec, domain: (DOMAINS as readonly string[]).includes(spec.name ?? '') ? (spec.name as Domain) : null })),
          { ...settings, replay },
          out!,
          ctx,
        )
      : { report: await buildCorpus({ ...settings, data }, ctx), mixture: null };
    const report = built.report;
    if (report.split.train.sequences === 0) {
      throw new UserError(
        `${data} gives ${n(report.split.train.tokens)} training tokens, less than one sequence of ${seqLen}. Add documents or choose a shorter --seq-len.`,
      );
    }
    ctx.info(report.fromCache ? `Reused the token cache ${report.cacheDir}` : `Tokenised ${n(report.tokenizedDocuments)} documents into ${report.cacheDir}`);
    if (out && !mixed) await clearMixture(out);
    const file = out ? (mixed ? join(out, 'corpus.json') : await saveCorpusReport(out, report)) : null;
    if (file) ctx.info(`Wrote ${file}`);
    return { ...report, out: { report: file && resolve(file), cache: report.cacheDir }, mixture: built.mixture };
  },
  format(r) {
    const lines = [
      `Documents    ${n(r.documents)} (${n(r.characters)} characters, ${n(r.tokens)} tokens)`,
      `Duplicates   ${n(r.duplicatesRemoved)} removed (${n(r.exactDuplicates)} exact, ${n(r.nearDuplicates)} near)`,
      `Skipped      ${n(r.skipped.length)}`,
      ...(r.html.files > 0 ? [`Web pages    ${n(r.html.files)} read ${HTML_READING_LABELS[r.html.reading]} (--html to change)`] : []),
      `Train        ${n(r.split.train.documents)} documents, ${n(r.split.train.sequences)} sequences of ${r.seqLen}`,
      `Validation   ${n(r.split.validation.documents)} documents, ${n(r.split.validation.sequences)} sequences`,
      r.general
        ? `General      ${n(r.general.documents)} documents: ${n(r.split['general-train'].documents)} train, ${n(r.split['general-validation'].documents)} held out`
        : 'General      none',
      `Longer than ${r.seqLen} tokens: ${pct(r.truncatedShare)} of documents (${pct(r.truncatedTokenShare)} of tokens)`,
      `Cache        ${r.out.cache}${r.fromCache ? ' (reused)' : ''}`,
    ];
    if (r.out.report) lines.push(`Report       ${r.out.report}`);
    if (r.mixture) {
      for (const s of r.mixture.sources)
        lines.push(`Source       ${s.name}: weight ${s.weight}, ${pct(s.share)} of every step, ${n(s.trainTokens)} training tokens (${s.data})`);
      if (r.mixture.replay)
        lines.push(`Replay       general text: ${pct(r.mixture.replay.share)} of every step, ${n(r.mixture.replay.trainTokens)} training tokens`);
    }
    if (r.warnings.length) lines.push('', 'Warnings:', ...r.warnings.map((w) => `  - ${w}`));
    if (r.skipped.length) {
      lines.push('', 'Skipped:', ...r.skipped.slice(0, LISTED_SKIPS).map((s) => `  ${s.path}: ${s.reason}`));
      if (r.skipped.length > LISTED_SKIPS) lines.push(`  ... and ${n(r.skipped.length - LISTED_SKIPS)} more (all of them with --json)`);
    }
    return lines.join('\n');
  },
};
