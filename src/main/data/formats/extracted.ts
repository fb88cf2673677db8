/** What a reader makes of one file: its text, or one plain reason why it cannot be used. */
export type Extracted =
  | {
      ok: true;
      text: string;
      /** How the text was stored: a character encoding, or the format ("docx", "pdf"). */
      encoding: string;
      /** Parts of the file that were not used (e.g. PDF pages without text), for the skip list. */
      leftOut?: string;
    }
  | { ok: false; reason: string };
