/**
 * The QA reader: multiple-choice questions as JSON Lines,
 *   {"question": "...", "choices": ["...", "..."], "answer": 0}
 * answer being the 0-based index of the right choice. Every line is checked; a bad one stops
 * with one message naming file and line, or is skipped and listed, as the person chose.
 */
import { createHash } from 'node:crypto';
import { isUserError, UserError } from '../../shared/errors.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { createYielder } from './pacing.js';
import { BadLines, jsonlRecords, type BadLinePolicy, type SkippedInput } from './jsonl.js';
import { listCorpusFiles } from './list-files.js';

export interface QaItem {
  question: string;
  choices: string[];
  /** 0-based index into choices. */
  answer: number;
  /** "file:line" it came from. */
  source: string;
}

export interface QaSet {
  items: QaItem[];
  skipped: SkippedInput[];
  /** "sha256:<hex>" over the items' canonical JSON, for reports. */
  hash: string;
}

/** `path`: a .jsonl file, or a folder whose .jsonl files are read in name order. */
export async function readQa(path: string, options: { badLines?: BadLinePolicy } = {}, control: TaskControl = {}): Promise<QaSet> {
  const listing = await listCorpusFiles(path, control);
  const files = listing.files.filter((f) => f.kind === 'jsonl');
  if (files.length === 0)
    throw new UserError(`No .jsonl file in ${path}. QA data is JSON Lines: {"question": "...", "choices": ["...", "..."], "answer": 0} per line.`);
  const skipped: SkippedInput[] = [];
  const badLines = new BadLines(options.badLines ?? 'stop', skipped);
  const items: QaItem[] = [];
  const yieldNow = createYielder();
  for (const file of files) {
    try {
      for await (const record of jsonlRecords(file.path)) {
        const item = 'problem' in record ? record.problem : qaItem(record.value, `${file.name}:${record.line}`);
        if (typeof item === 'string') badLines.report(file.name, record.line, item);
        else items.push(item);
        await yieldNow();
        throwIfCancelled(control.signal);
      }
    } catch (e) {
      if (isUserError(e)) throw e;
      throw new UserError(`${file.name} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  }
  if (items.length === 0)
    throw new UserError(`${path} holds no usable questions${skipped.length ? ` (${skipped.length} line${skipped.length === 1 ? '' : 's'} skipped)` : ''}.`);
  const hash = createHash('sha256');
  for (const { question, choices, answer } of items) hash.update(`${JSON.stringify({ question, choices, answer })}\n`);
  return { items, skipped, hash: `sha256:${hash.digest('hex')}` };
}

/** A valid item, or what is wrong with the record. */
export function qaItem(value: unknown, source: string): QaItem | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  const missing = ['question', 'choices', 'answer'].filter((k) => !(k in r));
  if (missing.length) return `missing ${missing.map((k) => `"${k}"`).join(', ')}`;
  if (typeof r.question !== 'string' || r.question.trim() === '') return '"question" must be non-empty text';
  if (!Array.isArray(r.choices) || r.choices.length === 0) return '"choices" must be a non-empty list';
  if (r.choices.length < 2) return '"choices" needs at least two choices';
  const bad = r.choices.findIndex((c) => typeof c !== 'string' || c.trim() === '');
  if (bad >= 0) return `"choices"[${bad}] must be non-empty text`;
  if (typeof r.answer !== 'number' || !Number.isInteger(r.answer))
    return `"answer" must be the index of the right choice (a whole number), got ${JSON.stringify(r.answer)}`;
  if (r.answer < 0 || r.answer >= r.choices.length)
    return `"answer" ${r.answer} is out of range: there are ${r.choices.length} choices, numbered 0 to ${r.choices.length - 1}`;
  return { question: r.question, choices: r.choices as string[], answer: r.answer, source };
}
