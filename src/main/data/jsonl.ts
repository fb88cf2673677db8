/**
 * JSON Lines, streamed: one record per line, with the line number every message needs.
 * Lines are split on raw bytes so that invalid UTF-8 is reported for its line instead of being
 * replaced silently, and a 10 GB file never sits in memory.
 */
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { UserError } from '../../shared/errors.js';
import type { SkippedInput } from '../../shared/corpus.js';

export type BadLinePolicy = 'skip' | 'stop';
export const BAD_LINE_POLICIES: readonly BadLinePolicy[] = ['skip', 'stop'];

export type { SkippedInput } from '../../shared/corpus.js';

/** `bytes`: the line's size in the file, for throughput and progress. */
export type ParsedLine = { line: number; bytes: number; value: unknown } | { line: number; bytes: number; problem: string };

/** Every non-blank line of a JSONL file, parsed, with its 1-based line number. */
export async function* jsonlRecords(file: string): AsyncGenerator<ParsedLine> {
  let pending: Buffer[] = [];
  let line = 0;
  const parse = (bytes: Buffer): ParsedLine | null => {
    line++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    const body = bytes.subarray(0, end);
    if (!isUtf8(body)) return { line, bytes: bytes.length, problem: 'not valid UTF-8' };
    const text = body.toString('utf8').replace(/^\uFEFF/, '');
    if (text.trim() === '') return null;
    try {
      return { line, bytes: bytes.length, value: JSON.parse(text) };
    } catch (e) {
      return { line, bytes: bytes.length, problem: `not valid JSON (${(e as Error).message.split('\n')[0]})` };
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, nl));
      const parsed = parse(pending.length === 1 ? pending[0] : Buffer.concat(pending));
      pending = [];
      if (parsed) yield parsed;
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const parsed = parse(Buffer.concat(pending));
    if (parsed) yield parsed;
  }
}

/**
 * What to do with a line that cannot be used: stop with one message naming file and line, or
 * note it in the skip list and go on, as the person chose.
 */
export class BadLines {
  constructor(
    private readonly policy: BadLinePolicy,
    private readonly skipped: SkippedInput[],
  ) {}

  report(file: string, line: number, problem: string): void {
    const where = `${file}:${line}`;
    if (this.policy === 'stop') {
      throw new UserError(`${where}: ${problem}. Fix that line, or choose to skip bad lines (--bad-lines skip).`);
    }
    this.skipped.push({ path: where, reason: problem });
  }
}
