/**
 * Running headers, running footers and page numbers of a PDF: the lines near the top or bottom
 * of a page that come back, page after page. A line counts as running when its form (letters
 * lower-cased, each number written as #, so "Page 3 of 12" and "Page 4 of 12" agree) is among the
 * first or last EDGE_LINES lines of at least half the pages with text (and of two at least).
 * Books alternate left and right headers; each still appears on half the pages.
 */

const EDGE_LINES = 3;
const RUNNING_SHARE = 0.5;

/** The form a line is compared by: case and white space folded, numbers (arabic, or a roman page number) as #. */
export function runningForm(line: string): string {
  const folded = line.toLowerCase().replace(/\s+/g, ' ').trim();
  if (/^[ivxlcdm]{1,8}$/.test(folded)) return '#';
  return folded.replace(/\d+/g, '#');
}

/** Pages (each a list of non-empty lines) without their running headers, footers and page numbers. */
export function stripRunningLines(pages: string[][]): string[][] {
  const withText = pages.filter((p) => p.length > 0).length;
  if (withText < 2) return pages;
  const needed = Math.max(2, Math.ceil(withText * RUNNING_SHARE));
  const top = new Map<string, number>();
  const bottom = new Map<string, number>();
  for (const lines of pages) {
    for (const form of new Set(lines.slice(0, EDGE_LINES).map(runningForm))) top.set(form, (top.get(form) ?? 0) + 1);
    for (const form of new Set(lines.slice(-EDGE_LINES).map(runningForm))) bottom.set(form, (bottom.get(form) ?? 0) + 1);
  }
  const running = (counts: Map<string, number>, form: string) => (counts.get(form) ?? 0) >= needed;
  return pages.map((lines) =>
    lines.filter((line, i) => {
      const form = runningForm(line);
      return !((i < EDGE_LINES && running(top, form)) || (i >= lines.length - EDGE_LINES && running(bottom, form)));
    }),
  );
}
