/**
 * Documents out of listed files: a text, Markdown, source, PDF, Word, OpenDocument, RTF, e-book
 * or web-page file is one document (extract.ts reads each kind); a JSONL line is one document,
 * either text (the chosen field) or token ids used exactly as given. Files that cannot be used
 * go to the skip list with a plain reason and reading goes on, so a file that vanishes or turns
 * out to be binary never costs what was already read. Parts of a file left out (PDF pages
 * without text) are listed there too.
 */
import { sourceCodeProblem } from './code-filters.js';
import { isUserError } from '../../shared/errors.js';
import { normalizeLineEndings } from './decode.js';
import { defaultReadSettings, extractText, sizeProblem, type ReadSettings } from './extract.js';
import { BadLines, jsonlRecords, type BadLinePolicy, type SkippedInput } from './jsonl.js';
import type { DocumentKind } from './file-types.js';
import type { CorpusFile } from './list-files.js';
import { readWholeFile } from './read-file.js';

export type SourceDocument =
  { source: string; kind: DocumentKind; text: string; encoding: string; bytes: number } | { source: string; kind: 'jsonl'; ids: Int32Array; bytes: number };

export interface ReadDocumentOptions {
  /** JSONL field that holds the text (default "text"); lines with "input_ids" are token ids. */
  textField?: string;
  /** A JSONL line that cannot be used: stop with its file:line (default) or skip it. */
  badLines?: BadLinePolicy;
  /** Token ids must be below this (the model's vocabulary size); null checks only that they are ids. */
  vocabSize?: number | null;
  /** How documents are read (HTML as documents or as code); default: as documents. */
  read?: ReadSettings;
  /** Called as each file is started, for progress. */
  onFile?: (file: CorpusFile, index: number) => void;
}

export const INPUT_IDS_FIELD = 'input_ids';

export async function* readDocuments(files: readonly CorpusFile[], options: ReadDocumentOptions, skipped: SkippedInput[]): AsyncGenerator<SourceDocument> {
  const textField = options.textField ?? 'text';
  const badLines = new BadLines(options.badLines ?? 'stop', skipped);
  const settings = options.read ?? defaultReadSettings(null);
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    options.onFile?.(file, i);
    if (file.kind === 'jsonl') {
      yield* jsonlDocuments(file, textField, options.vocabSize ?? null, badLines, skipped);
      continue;
    }
    const tooLarge = sizeProblem(file.kind, file.bytes, settings.html);
    if (tooLarge) {
      skipped.push({ path: file.name, reason: tooLarge });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readWholeFile(file.path, file.bytes);
    } catch (e) {
      skipped.push({ path: file.name, reason: readFailure(e) });
      continue;
    }
    if (bytes.length === 0) {
      skipped.push({ path: file.name, reason: 'empty file' });
      continue;
    }
    let extracted;
    try {
      extracted = await extractText(file.kind, bytes, file.name, settings);
    } catch (e) {
      // A reader's own failure on input it did not foresee: this file is skipped, the corpus goes on.
      skipped.push({ path: file.name, reason: `could not be read (${(e as Error).message})` });
      continue;
    }
    if (!extracted.ok) {
      skipped.push({ path: file.name, reason: extracted.reason });
      continue;
    }
    if (extracted.text.trim() === '') {
      skipped.push({ path: file.name, reason: 'empty file (only whitespace)' });
      continue;
    }
    const problem = extracted.kind === 'code' ? sourceCodeProblem(extracted.text) : null;
    if (problem) {
      skipped.push({ path: file.name, reason: problem });
      continue;
    }
    if (extracted.leftOut) skipped.push({ path: file.name, reason: extracted.leftOut });
    yield { source: file.name, kind: extracted.kind, text: extracted.text, encoding: extracted.encoding, bytes: bytes.length };
  }
}

async function* jsonlDocuments(
  file: CorpusFile,
  textField: string,
  vocabSize: number | null,
  badLines: BadLines,
  skipped: SkippedInput[],
): AsyncGenerator<SourceDocument> {
  let lastLine = 0;
  let documents = 0;
  try {
    for await (const record of jsonlRecords(file.path)) {
      lastLine = record.line;
      if ('problem' in record) {
        badLines.report(file.name, record.line, record.problem);
        continue;
      }
      const source = `${file.name}:${record.line}`;
      const value = record.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        badLines.report(file.name, record.line, 'not a JSON object');
        continue;
      }
      const fields = value as Record<string, unknown>;
      const bytes = record.bytes;
      if (textField in fields) {
        const text = fields[textField];
        if (typeof text !== 'string') badLines.report(file.name, record.line, `"${textField}" is not a string`);
        else if (text.trim() === '') skipped.push({ path: source, reason: `empty "${textField}"` });
        else {
          documents++;
          yield { source, kind: 'jsonl', text: normalizeLineEndings(text), encoding: 'utf-8', bytes };
        }
      } else if (INPUT_IDS_FIELD in fields) {
        const ids = parseInputIds(fields[INPUT_IDS_FIELD], vocabSize);
        if (typeof ids === 'string') badLines.report(file.name, record.line, ids);
        else {
          documents++;
          yield { source, kind: 'jsonl', ids, bytes };
        }
      } else {
        badLines.report(file.name, record.line, `has neither "${textField}" nor "${INPUT_IDS_FIELD}"`);
      }
    }
  } catch (e) {
    if (isUserError(e)) throw e;
    const reason = readFailure(e);
    skipped.push({ path: file.name, reason: lastLine === 0 ? reason : `${reason} after line ${lastLine}; the lines before it were kept` });
    return;
  }
  if (documents === 0 && lastLine === 0) skipped.push({ path: file.name, reason: 'empty file' });
}

/** Token ids exactly as given, or what is wrong with them. */
export function parseInputIds(value: unknown, vocabSize: number | null): Int32Array | string {
  if (!Array.isArray(value)) return `"${INPUT_IDS_FIELD}" is not a list of token ids`;
  if (value.length === 0) return `"${INPUT_IDS_FIELD}" is empty`;
  const limit = vocabSize ?? 2 ** 31;
  const ids = new Int32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const id = value[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      return `"${INPUT_IDS_FIELD}"[${i}] = ${JSON.stringify(id)} is not a token id (a whole number from 0)`;
    if (id >= limit) return `token id ${id} at position ${i} is outside the vocabulary (0..${limit - 1})`;
    ids[i] = id;
  }
  return ids;
}

function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'disappeared before it could be read';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be read (permission denied)';
  if (code === 'EISDIR') return 'is a folder, not a file';
  return `cannot be read (${code ?? (e as Error).message})`;
}
