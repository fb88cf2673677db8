/**
 * A quick look at a documents folder before the corpus is built: how many files of each kind,
 * what will be skipped and why, how web pages will be read, and the extracted text of the first
 * documents of each kind (what the model will read, after the readers have removed markup,
 * navigation and running headers). Reads only what it shows, so it answers at once even for
 * 100k files.
 */
import { defaultHtmlReading, type HtmlReading } from '../../shared/corpus.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { listCorpusFiles, type CorpusFile } from './list-files.js';
import { readDocuments } from './documents.js';

import type { CorpusPreview, PreviewDocument } from '../../shared/corpus.js';

export type { CorpusPreview, PreviewDocument } from '../../shared/corpus.js';

export interface PreviewOptions {
  /** How .html files are read; default: as the domain suggests. */
  html?: HtmlReading;
  domain?: string | null;
  /** Documents read per kind (default 3). */
  perKind?: number;
}

const EXCERPT_CHARS = 600;
/** Files tried per kind to find documents to show, so a kind of unreadable files costs little. */
const TRIES_PER_DOCUMENT = 4;

export async function previewCorpus(path: string, options: PreviewOptions = {}, control: TaskControl = {}): Promise<CorpusPreview> {
  const perKind = options.perKind ?? 3;
  const reading = options.html ?? defaultHtmlReading(options.domain);
  const listing = await listCorpusFiles(path, control);
  const byKind = new Map<string, CorpusFile[]>();
  for (const f of listing.files) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  const kinds = Object.fromEntries([...byKind].sort((a, b) => b[1].length - a[1].length).map(([kind, files]) => [kind, files.length]));
  const skipped = [...listing.skipped];
  const documents: PreviewDocument[] = [];
  for (const kind of Object.keys(kinds)) {
    let shown = 0;
    for (const file of (byKind.get(kind) ?? []).slice(0, perKind * TRIES_PER_DOCUMENT)) {
      throwIfCancelled(control.signal);
      for await (const doc of readDocuments([file], { badLines: 'skip', vocabSize: null, read: { html: reading } }, skipped)) {
        documents.push(
          'text' in doc
            ? { source: doc.source, kind, encoding: doc.encoding, excerpt: doc.text.slice(0, EXCERPT_CHARS), bytes: doc.bytes }
            : {
                source: doc.source,
                kind,
                encoding: 'token ids',
                excerpt: `[${Array.from(doc.ids.slice(0, 40)).join(', ')}${doc.ids.length > 40 ? ', …' : ''}]`,
                bytes: doc.bytes,
              },
        );
        if (++shown >= perKind) break;
      }
      if (shown >= perKind) break;
    }
  }
  return { files: listing.files.length, totalBytes: listing.totalBytes, kinds, skipped, html: { reading, files: kinds.html ?? 0 }, documents };
}
