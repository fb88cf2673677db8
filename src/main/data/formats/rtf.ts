/**
 * RTF documents through rtf-stream-parser: its tokenizer, and its plain-text processor for what
 * is hard to get right in RTF (the font table and each font's code page, \'hh bytes in the
 * document's code page, \uN characters and the \ucN fallbacks they skip, ignorable \* groups).
 * On top of it, this reader adds the document structure that plain text needs: paragraphs,
 * list paragraphs, table cells and rows, footnotes (moved to the end, numbered as Word numbers
 * them), and it leaves out page headers and footers, document properties, pictures, field codes
 * and hidden text.
 *
 * The processor's feature handlers are extended through its (typed, exported) class; the version
 * is pinned, and the tests in tests/unit/data/formats.test.ts hold this use of it in place.
 */
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { Tokenize } from 'rtf-stream-parser';
import { ToPlainText } from 'rtf-stream-parser/dist/src/ToPlainText.js';
import type { Extracted } from './extracted.js';
import { PlainTextWriter } from './plain-text.js';

/** Destinations whose text is not part of the document's body. */
const SKIPPED_DESTINATIONS = [
  'info',
  'header',
  'headerl',
  'headerr',
  'headerf',
  'footer',
  'footerl',
  'footerr',
  'footerf',
  'pict',
  'object',
  'objdata',
  'fldinst',
  'listtext',
  'pntext',
  'pntxta',
  'pntxtb',
  'fonttbl',
  'colortbl',
  'stylesheet',
  'listtable',
  'listoverridetable',
  'revtbl',
  'rsidtbl',
  'generator',
  'xmlnstbl',
  'themedata',
  'colorschememapping',
  'latentstyles',
  'datastore',
  'annotation',
  'atnid',
  'atnauthor',
  'ftnsep',
  'ftnsepc',
  'aftnsep',
  'aftnsepc',
];

/** Windows code pages -> the names TextDecoder knows them by (the WHATWG Encoding Standard's labels). */
function decoderFor(codepage: string): TextDecoder {
  const number = Number(codepage.replace(/^cp/, ''));
  const label =
    number === 936
      ? 'gbk'
      : number === 932
        ? 'shift_jis'
        : number === 949
          ? 'euc-kr'
          : number === 950
            ? 'big5'
            : number === 10000
              ? 'macintosh'
              : number === 20866
                ? 'koi8-r'
                : number === 28591
                  ? 'latin1'
                  : `windows-${number}`;
  try {
    return new TextDecoder(label);
  } catch {
    // Code pages outside the Encoding Standard (DOS 437, 850): their letters mostly agree with Windows-1252.
    return new TextDecoder('windows-1252');
  }
}

type Global = ToPlainText & { _state: ToPlainText['_state'] & { hidden?: boolean } };

/** The writer behind an RTF processor: the body, or the footnote being read. */
class RtfText extends ToPlainText {
  readonly body = new PlainTextWriter();
  note: { writer: PlainTextWriter; depth: number; label: string | null } | null = null;
  footnotes = 0;
  /** The number of the last footnote reference (\chftn) in the body, for the footnote that follows it. */
  reference: string | null = null;
  /** The current paragraph is a list item (\ls, \ilvl) or sits in a table (\intbl). */
  listItem = false;
  inTable = false;
  rowOpen = false;

  constructor() {
    super({ decode: (buf, enc) => decoderFor(enc).decode(buf), replaceSymbolFontChars: true, warn: () => {} });
    const handlers = this._featureHandlers as unknown as object[];
    // Structure first, so that \par, \tab and \line mean what the structure says rather than a bare newline.
    handlers.splice(handlers.length - 2, 0, this.structure());
  }

  get writer(): PlainTextWriter {
    return this.note?.writer ?? this.body;
  }

  /** Text reaches the current writer unless it is hidden (\v) or inside a destination that is not body text. */
  override _pushOutputData(text: string): void {
    if (!this.skipping()) this.writer.text(text);
  }

  private skipping(): boolean {
    const state = (this as Global)._state;
    if (state.hidden || state.destIgnorable) return true;
    const destinations = state.allDestinations as Record<string, boolean> | undefined;
    return !!destinations && SKIPPED_DESTINATIONS.some((d) => destinations[d]);
  }

  private structure() {
    const control = (run: (global: RtfText, param: number | undefined) => void) => (global: RtfText, token: { param?: number }) => {
      if (!global.skipping()) run(global, token.param);
      return true as const;
    };
    return {
      // The end of a footnote's group ends the footnote (seen before the group's state is dropped).
      allTokenHandler: (global: RtfText, token: { type: number }) => {
        const note = global.note;
        if (token.type === 1 && note && global._state.groupDepth === note.depth) {
          global.note = null;
          global.body.footnote(note.label, note.writer.toString());
        }
      },
      controlHandlers: {
        par: control((g) => {
          if (g.inTable) g.writer.block();
          else g.writer.block(g.listItem ? 1 : 2);
        }),
        sect: control((g) => g.writer.block()),
        page: control((g) => g.writer.block()),
        line: control((g) => g.writer.lineBreak()),
        tab: control((g) => g.writer.text(' ')),
        emspace: control((g) => g.writer.text(' ')),
        enspace: control((g) => g.writer.text(' ')),
        pard: control((g) => {
          g.listItem = false;
          g.inTable = false;
        }),
        ls: control((g) => (g.listItem = true)),
        ilvl: control((g) => (g.listItem = true)),
        intbl: control((g) => {
          g.inTable = true;
          if (!g.rowOpen) {
            g.writer.startRow();
            g.rowOpen = true;
          }
        }),
        cell: control((g) => g.writer.endCell()),
        row: control((g) => {
          g.writer.endRow();
          g.rowOpen = false;
        }),
        v: (global: RtfText, token: { param?: number }) => {
          (global as Global)._state.hidden = token.param !== 0;
          return true as const;
        },
        chftn: control((g) => {
          // Inside the footnote, \chftn repeats its number, which the footnote's label already shows.
          if (g.note) return;
          g.reference = String(++g.footnotes);
          g.writer.text(`[${g.reference}]`);
        }),
        footnote: (global: RtfText) => {
          if (global.skipping()) return;
          global.note = { writer: new PlainTextWriter(), depth: global._state.groupDepth, label: global.reference };
          global.reference = null;
        },
      },
    };
  }
}

export async function rtfText(bytes: Uint8Array): Promise<Extracted> {
  const reader = new RtfText();
  try {
    // The processor writes into its own writers; the sink only lets the stream run to its end.
    const sink = new Writable({ objectMode: true, write: (_chunk, _encoding, done) => done() });
    await pipeline(Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]), new Tokenize(), reader, sink);
  } catch (e) {
    const message = (e as Error).message;
    if (/should start with/.test(message)) return { ok: false, reason: 'not an RTF document (it does not start with {\\rtf)' };
    return { ok: false, reason: `RTF document could not be read (${message}); open it in a word processor and save it again` };
  }
  const text = reader.body.toString();
  if (text === '') return { ok: false, reason: 'RTF document without text' };
  return { ok: true, text, encoding: 'rtf' };
}
