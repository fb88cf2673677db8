/**
 * Corpus settings that the wizard, the CLI and the corpus job share: how web pages are read.
 * A saved web page in a legal or math corpus is a document (its text is what the field knows);
 * in a code corpus the markup itself is the source to learn.
 */

export const HTML_READINGS = ['document', 'code'] as const;
/** "document": the page's main text, without markup, scripts or navigation; "code": the file as written. */
export type HtmlReading = (typeof HTML_READINGS)[number];

/** The reading a corpus gets unless the user chooses: source in a code corpus, documents otherwise. */
export function defaultHtmlReading(domain: string | null | undefined): HtmlReading {
  return domain === 'code' ? 'code' : 'document';
}

export const HTML_READING_LABELS: Record<HtmlReading, string> = {
  document: 'as documents (text only)',
  code: 'as source code (markup kept)',
};

/** How a corpus read its web pages: the reading used, and how many .html files there were. */
export interface HtmlSummary {
  reading: HtmlReading;
  files: number;
}

/** Words for the kinds of document a corpus holds (the keys of a preview's or report's `kinds`). */
export const KIND_LABELS: Record<string, string> = {
  text: 'Text',
  markdown: 'Markdown',
  code: 'Source code',
  jsonl: 'JSON Lines',
  pdf: 'PDF',
  html: 'Web pages',
  docx: 'Word',
  doc: 'Word 97-2003',
  odt: 'OpenDocument',
  rtf: 'RTF',
  epub: 'E-books',
};

export const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind;
