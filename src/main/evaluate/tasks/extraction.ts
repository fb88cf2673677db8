/**
 * Answer extraction and exact match for generation tasks, as lm-evaluation-harness does it:
 *
 *   regex filter   matches = re.findall(pattern, output); none -> "[invalid]"; else
 *                  m = matches[group_select] (negative counts from the end); with several groups
 *                  m is a tuple and the first non-empty group is taken; the result is stripped.
 *                  GSM8K's strict pattern is "#### (\-?[0-9\.\,]+)", its flexible one the last
 *                  number-like run "(-?[$0-9.,]{2,})|(-?[0-9]+)".
 *   exact match    each "regex to ignore" is removed from answer and reference (re.sub, in
 *                  order), both are lower-cased when case is ignored, and the texts must be equal.
 *
 * Patterns are written in Python's syntax (the harness's own strings work as they are); the
 * parts JavaScript spells differently are translated: leading inline flags such as (?s) and
 * (?i), and named groups (?P<name>...).
 */
import { UserError } from '../../../shared/errors.js';

export const INVALID_ANSWER = '[invalid]';

/** A Python-syntax pattern as a global JavaScript RegExp. */
export function pythonRegex(pattern: string): RegExp {
  let body = pattern;
  let flags = 'gu';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const f of inline[1]) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  body = body.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  try {
    return new RegExp(body, flags);
  } catch {
    // Some Python patterns are not valid in JavaScript's stricter Unicode mode (e.g. "\-" outside a class).
    try {
      return new RegExp(body, flags.replace('u', ''));
    } catch (e) {
      throw new UserError(`The pattern ${JSON.stringify(pattern)} is not a regular expression this app can read: ${(e as Error).message}.`);
    }
  }
}

/** Python's re.findall: full matches, the one group's text, or every group's text per match. */
export function findAll(re: RegExp, text: string): (string | string[])[] {
  const out: (string | string[])[] = [];
  for (const m of text.matchAll(re)) {
    const groups = m.slice(1).map((g) => g ?? '');
    out.push(groups.length === 0 ? m[0] : groups.length === 1 ? groups[0] : groups);
  }
  return out;
}

/** The harness's RegexFilter on one output. */
export function extractAnswer(output: string, pattern: string, group: number, fallback = INVALID_ANSWER): string {
  const matches = findAll(pythonRegex(pattern), output);
  if (matches.length === 0) return fallback;
  const m = matches.at(group);
  if (m === undefined) return fallback;
  if (typeof m === 'string') return m.trim();
  const first = m.find((g) => g !== '');
  return first === undefined ? fallback : first.trim();
}

/** The text a rule set compares: every ignored pattern removed, lower-cased when case is ignored. */
export function normaliseAnswer(text: string, ignore: readonly string[], ignoreCase: boolean): string {
  let out = text;
  for (const p of ignore) out = out.replace(pythonRegex(p), '');
  return ignoreCase ? out.toLowerCase() : out;
}

export function exactMatch(answer: string, reference: string, ignore: readonly string[], ignoreCase: boolean): boolean {
  return normaliseAnswer(answer, ignore, ignoreCase) === normaliseAnswer(reference, ignore, ignoreCase);
}

/** The harness's postprocess_generated_text: the output cut at the first of the stop texts. */
export function cutAtStop(text: string, until: readonly string[]): string {
  let out = text;
  for (const stop of until) if (stop !== '') out = out.split(stop)[0];
  return out;
}
