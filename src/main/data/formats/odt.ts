/// <reference lib="dom" />
// The readers walk documents parsed by linkedom, which implements the standard DOM types.
/**
 * OpenDocument text (.odt: LibreOffice, OpenOffice, Google Docs and Word can all write it): the
 * zip through fflate, content.xml through linkedom's XML parser, and a walk over the ODF text
 * elements. Headings, paragraphs, list items, tables (repeated empty cells kept as columns),
 * text boxes and footnotes/endnotes (moved to the end with their citation) are read; generated
 * indexes (table of contents), tracked deletions, comments and forms are not. Page headers and
 * footers live in styles.xml, which is not read.
 *
 * Elements are matched by their conventional prefixes (text:, table:, draw:, office:), which every
 * ODF producer writes.
 */
import type { Extracted } from './extracted.js';
import { parseXml, tagName } from './markup.js';
import { PlainTextWriter } from './plain-text.js';
import { entryText, unzipEntries, ZipProblem } from './zip.js';

const TEXT_MIMETYPE = 'application/vnd.oasis.opendocument.text';

const SKIPPED = new Set([
  'text:tracked-changes',
  'office:annotation',
  'office:annotation-end',
  'office:forms',
  'text:sequence-decls',
  'text:variable-decls',
  'text:user-field-decls',
  'text:dde-connection-decls',
  'text:table-of-content',
  'text:alphabetical-index',
  'text:illustration-index',
  'text:table-index',
  'text:object-index',
  'text:user-index',
  'text:bibliography',
  'text:note-citation',
  'text:ruby-text',
  'draw:image',
  'svg:title',
  'svg:desc',
  'table:table-source',
]);
const BLOCKS = new Set(['text:h', 'text:p', 'text:section', 'text:list', 'table:table', 'draw:text-box']);

export async function odtText(bytes: Uint8Array): Promise<Extracted> {
  let content: string | null;
  let mimetype: string | null;
  try {
    const zip = await unzipEntries(bytes, (name) => name === 'content.xml' || name === 'mimetype', 'OpenDocument file');
    content = entryText(zip, 'content.xml');
    mimetype = entryText(zip, 'mimetype');
  } catch (e) {
    if (e instanceof ZipProblem) return { ok: false, reason: e.message };
    throw e;
  }
  if (mimetype !== null && mimetype.trim() !== TEXT_MIMETYPE)
    return { ok: false, reason: `an OpenDocument file of another kind (${mimetype.trim()}), not a text document` };
  if (content === null) return { ok: false, reason: 'not an OpenDocument text (a zip without content.xml)' };
  const body = parseXml(content).getElementsByTagName('office:text')[0];
  if (!body) return { ok: false, reason: 'OpenDocument file without a text body' };
  const w = new PlainTextWriter();
  writeOdfText(body, w);
  const text = w.toString();
  if (text === '') return { ok: false, reason: 'OpenDocument text without text' };
  return { ok: true, text, encoding: 'odt' };
}

function writeOdfText(root: Element, w: PlainTextWriter): void {
  type Step = { node: Node; leave?: () => void };
  const stack: Step[] = [{ node: root }];
  while (stack.length > 0) {
    const step = stack.pop() as Step;
    if (step.leave) {
      step.leave();
      continue;
    }
    const node = step.node;
    if (node.nodeType === 3 || node.nodeType === 4) {
      w.text((node as CharacterData).data);
      continue;
    }
    if (node.nodeType !== 1) continue;
    const el = node as Element;
    const name = tagName(el);
    if (SKIPPED.has(name)) continue;
    const leave = open(el, name, w);
    if (leave === 'done') continue;
    if (leave) stack.push({ node, leave });
    for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push({ node: node.childNodes[i] });
  }
}

/** Starts what an element stands for; returns what to do at its end, or 'done' when it was written whole. */
function open(el: Element, name: string, w: PlainTextWriter): (() => void) | 'done' | null {
  switch (name) {
    case 'text:s':
    case 'text:tab':
      w.text(' ');
      return 'done';
    case 'text:line-break':
      w.lineBreak();
      return 'done';
    case 'text:note': {
      const label = el.getElementsByTagName('text:note-citation')[0]?.textContent?.trim() || null;
      const body = el.getElementsByTagName('text:note-body')[0];
      if (label) w.text(`[${label}]`);
      if (body) {
        const note = new PlainTextWriter();
        writeOdfText(body, note);
        w.footnote(label, note.toString());
      }
      return 'done';
    }
    case 'table:table-row':
      w.startRow();
      return () => w.endRow();
    case 'table:table-cell':
    case 'table:covered-table-cell': {
      const repeated = Math.min(Number(el.getAttribute('table:number-columns-repeated') ?? 1) || 1, 1024);
      return () => {
        for (let i = 0; i < repeated; i++) w.endCell();
      };
    }
    case 'text:list-item':
    case 'text:list-header':
      w.block(1);
      return () => w.block(1);
  }
  if (BLOCKS.has(name)) {
    const inItem = el.parentElement && tagName(el.parentElement) === 'text:list-item';
    const gap = inItem ? 1 : 2;
    w.block(gap);
    return () => w.block(gap);
  }
  return null;
}
