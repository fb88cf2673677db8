/**
 * A quick look at a documents folder before the corpus is built: how many files of each kind,
 * what will be skipped and why, and the opening of the first few documents. Reads only what it
 * shows, so it answers at once even for 100k files.
 */
import type { TaskControl } from '../../shared/progress.js';
import { listCorpusFiles } from './list-files.js';
import { readDocuments } from './documents.js';

import type { CorpusPreview } from '../../shared/corpus.js';

export type { CorpusPreview } from '../../shared/corpus.js';

const EXCERPT_CHARS = 600;

export async function previewCorpus(path: string, count = 6, control: TaskControl = {}): Promise<CorpusPreview> {
  const listing = await listCorpusFiles(path, control);
  const kinds: Record<string, number> = {};
  for (const f of listing.files) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
  const skipped = [...listing.skipped];
  const documents: CorpusPreview['documents'] = [];
  for await (const doc of readDocuments(listing.files.slice(0, count * 2), { badLines: 'skip', vocabSize: null }, skipped)) {
    if (documents.length >= count) break;
    documents.push(
      'text' in doc
        ? { source: doc.source, kind: doc.kind, encoding: doc.encoding, excerpt: doc.text.slice(0, EXCERPT_CHARS), bytes: doc.bytes }
        : {
            source: doc.source,
            kind: 'jsonl',
            encoding: 'token ids',
            excerpt: `[${Array.from(doc.ids.slice(0, 40)).join(', ')}${doc.ids.length > 40 ? ', …' : ''}]`,
            bytes: doc.bytes,
          },
    );
  }
  return { files: listing.files.length, totalBytes: listing.totalBytes, kinds, skipped, documents };
}
