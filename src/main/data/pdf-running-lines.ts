/**
 * Running headers, running footers and page numbers of a PDF: lines near the top or bottom of a
 * page (the first or last EDGE_LINES) that come back on at least half the pages with text (and
 * on two at least). Two kinds of line come back:
 *
 *   - the same words every time ("ACME Licence Agreement – Draft", a chapter title);
 *   - the same words around a number that counts the pages ("Page 3 of 12", "- 7 -", "xii"):
 *     the number minus the page's position is the same on each page, which tells a page number
 *     from a numbered heading ("Article 3") that merely happens to open several pages.
 *
 * Books alternate left and right headers; each still appears on half the pages.
 */

const EDGE_LINES = 3;
const RUNNING_SHARE = 0.5;
/** A page-counter line is short ("Page 3 of 12", "12 | Chapter One"); a sentence that holds a number is not one. */
const MAX_COUNTER_LINE = 60;
const ROMAN = /^[ivxlcdm]{1,8}$/;

const fold = (line: string) => line.toLowerCase().replace(/\s+/g, ' ').trim();

/** The first number of a line (arabic, or a whole-line roman numeral), and the line with it written as #. */
function numbered(folded: string): { form: string; value: number } | null {
  if (ROMAN.test(folded)) {
    const value = romanValue(folded);
    return value === null ? null : { form: '#', value };
  }
  const match = /\d+/.exec(folded);
  if (!match) return null;
  return { form: folded.replace(/\d+/g, '#'), value: Number(match[0]) };
}

function romanValue(s: string): number | null {
  const digits: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100, d: 500, m: 1000 };
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = digits[s[i]];
    const next = digits[s[i + 1]] ?? 0;
    total += v < next ? -v : v;
  }
  return total > 0 ? total : null;
}

/** The keys under which an edge line on page `index` is counted: its words, and its words around a page counter. */
function keys(line: string, index: number): string[] {
  const folded = fold(line);
  const n = folded.length <= MAX_COUNTER_LINE ? numbered(folded) : null;
  return n ? [`=${folded}`, `#${n.form}|${n.value - index}`] : [`=${folded}`];
}

/** Pages (each a list of non-empty lines) without their running headers, footers and page numbers. */
export function stripRunningLines(pages: string[][]): string[][] {
  const withText = pages.filter((p) => p.length > 0).length;
  if (withText < 2) return pages;
  const needed = Math.max(2, Math.ceil(withText * RUNNING_SHARE));
  const count = (edge: (lines: string[]) => string[]) => {
    const counts = new Map<string, number>();
    pages.forEach((lines, index) => {
      for (const key of new Set(edge(lines).flatMap((line) => keys(line, index)))) counts.set(key, (counts.get(key) ?? 0) + 1);
    });
    return counts;
  };
  const top = count((lines) => lines.slice(0, EDGE_LINES));
  const bottom = count((lines) => lines.slice(-EDGE_LINES));
  const running = (counts: Map<string, number>, line: string, index: number) => keys(line, index).some((key) => (counts.get(key) ?? 0) >= needed);
  return pages.map((lines, index) =>
    lines.filter((line, i) => !((i < EDGE_LINES && running(top, line, index)) || (i >= lines.length - EDGE_LINES && running(bottom, line, index)))),
  );
}
