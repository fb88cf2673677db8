/**
 * The one shape every document reader produces, so that a contract reads the same whether it
 * came as .docx, .odt, .rtf, .epub or a web page:
 *
 *   - a paragraph or heading is one line, with a blank line between blocks;
 *   - list items and table rows are consecutive lines; table cells are separated by a tab;
 *   - runs of white space inside a line become one space (preformatted blocks are kept verbatim);
 *   - footnotes go after the text, one per line, as "[label] text".
 *
 * Readers walk their format's structure and call this writer; it owns the white-space rules.
 */

const SPACE_RUN = /[ \t\n\r\f\v\u00a0\u2028\u2029]+/g;

export class PlainTextWriter {
  private readonly lines: string[] = [];
  /** The line being written (white space already collapsed). */
  private line = '';
  /** Newlines owed before the next content: 0 (same line), 1 (next line) or 2 (after a blank line). */
  private pendingBreak = 0;
  /** Cells of the table row being written, or null outside a row. */
  private cells: string[] | null = null;
  /** The last thing written was a table row, so the next row follows on the next line. */
  private lastWasRow = false;
  /** Rows of tables inside a cell, which are written into that cell. */
  private nestedRows = 0;
  private readonly notes: string[] = [];

  /** Inline text: white space collapses, and nothing is added between two calls. */
  text(s: string): void {
    const collapsed = s.replace(SPACE_RUN, ' ');
    if (collapsed === '') return;
    if (this.cells) {
      const i = this.cells.length - 1;
      this.cells[i] = joinInline(this.cells[i], collapsed);
      return;
    }
    if (collapsed === ' ' && (this.line === '' || this.line.endsWith(' '))) return;
    this.startContent();
    this.line = joinInline(this.line, collapsed);
  }

  /** Text kept exactly as written (a code block, inline code): its own characters, no collapsing. */
  verbatim(s: string): void {
    if (s === '') return;
    if (this.cells) {
      const i = this.cells.length - 1;
      this.cells[i] += s.replace(/[\t\n]+/g, ' ');
      return;
    }
    this.startContent();
    const [first, ...rest] = s.split('\n');
    this.line += first;
    for (const next of rest) {
      this.lines.push(this.line.trimEnd());
      this.line = next;
    }
  }

  /** A preformatted block (HTML <pre>): its own block, every line and indentation kept. */
  preformatted(s: string): void {
    const body = s.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
    if (body === '') return;
    this.block();
    this.verbatim(body);
    this.block();
  }

  /** Ends the current block; the next content starts after a blank line (2) or on the next line (1). */
  block(newlines: 1 | 2 = 2): void {
    if (this.cells) {
      // Paragraphs inside a table cell are joined into the cell's one line.
      const i = this.cells.length - 1;
      if (this.cells[i] !== '' && !this.cells[i].endsWith(' ')) this.cells[i] += ' ';
      return;
    }
    this.pendingBreak = Math.max(this.pendingBreak, newlines);
  }

  /** A line break inside a block (<br>, \line): the next text starts on a new line. */
  lineBreak(): void {
    if (this.cells) this.text(' ');
    else this.pendingBreak = Math.max(this.pendingBreak, 1);
  }

  /** Starts a table row; text until endRow() fills its cells. A table inside a cell flattens into that cell. */
  startRow(): void {
    if (this.cells) {
      this.nestedRows++;
      return;
    }
    this.block(this.lastWasRow ? 1 : 2);
    this.cells = [''];
  }

  /** Ends a cell; the next text goes to the next one. */
  endCell(): void {
    if (this.nestedRows > 0) this.text(' ');
    else if (this.cells) this.cells.push('');
  }

  /** Writes the row as one line of tab-separated cells (trailing empty cells dropped). */
  endRow(): void {
    if (this.nestedRows > 0) {
      this.nestedRows--;
      this.text(' ');
      return;
    }
    const cells = this.cells;
    if (!cells) return;
    this.cells = null;
    const trimmed = cells.map((c) => c.trim());
    while (trimmed.length > 0 && trimmed[trimmed.length - 1] === '') trimmed.pop();
    if (trimmed.length === 0) return;
    this.startContent();
    this.line = trimmed.join('\t');
    this.flushLine();
    this.pendingBreak = 1;
    this.lastWasRow = true;
  }

  /** A footnote or endnote, written after the text as "[label] text" (its own white space collapsed). */
  footnote(label: string | null, text: string): void {
    const body = text.replace(SPACE_RUN, ' ').trim();
    if (body === '') return;
    this.notes.push(label ? `[${label}] ${body}` : body);
  }

  /** The text so far, with the footnotes at the end. */
  toString(): string {
    const lines = [...this.lines];
    if (this.line.trim() !== '') lines.push(this.line.trimEnd());
    const body = lines.join('\n').replace(/^\n+|\s+$/g, '');
    if (this.notes.length === 0) return body;
    return body === '' ? this.notes.join('\n') : `${body}\n\n${this.notes.join('\n')}`;
  }

  private startContent(): void {
    if (this.pendingBreak > 0) {
      this.flushLine();
      if (this.pendingBreak === 2 && this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
      this.pendingBreak = 0;
      this.lastWasRow = false;
      this.line = '';
    }
  }

  private flushLine(): void {
    // Only the end is trimmed: a verbatim line keeps its indentation, and inline text never starts with a space.
    const line = this.line.trimEnd();
    if (line.trim() !== '') this.lines.push(line);
    this.line = '';
  }
}

/** Two pieces of inline text with at most one space where they meet. */
function joinInline(a: string, b: string): string {
  if (a === '') return b.startsWith(' ') ? b.slice(1) : b;
  if (a.endsWith(' ') && b.startsWith(' ')) return a + b.slice(1);
  return a + b;
}
