/// <reference lib="dom" />
// The readers walk documents parsed by linkedom, which implements the standard DOM types.
/**
 * An HTML (or XHTML) element -> clean text, in the shape of plain-text.ts: blocks as lines,
 * list items and table rows on consecutive lines, cells tab-separated, <pre> and multi-line
 * <code> verbatim, footnotes moved to the end. Scripts, styles, forms, navigation, asides and
 * hidden elements are left out; so are a page's own header and footer (those of an article or
 * section are its content). Math keeps its TeX source where the page carries it.
 *
 * The walk uses an explicit stack, so a page nested thousands of elements deep cannot overflow
 * the call stack.
 */
import { tagName } from './markup.js';
import { PlainTextWriter } from './plain-text.js';

/** Elements whose content is never text a reader sees (or is page furniture). */
const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'head',
  'title',
  'meta',
  'link',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'svg',
  'canvas',
  'video',
  'audio',
  'picture',
  'img',
  'map',
  'button',
  'select',
  'input',
  'textarea',
  'label',
  'option',
  'datalist',
  'output',
  'progress',
  'meter',
  'nav',
  'aside',
  'dialog',
  'menu',
]);
const SKIPPED_ROLES = new Set([
  'navigation',
  'banner',
  'contentinfo',
  'search',
  'complementary',
  'dialog',
  'alertdialog',
  'menu',
  'menubar',
  'toolbar',
  'tablist',
]);
/** Blocks: a blank line before and after. */
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hgroup',
  'blockquote',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'dl',
  'hr',
  'center',
  'fieldset',
  'legend',
  'form',
  'ul',
  'ol',
  'table',
  'caption',
  'body',
]);
/** Lines: one line each, no blank line between them. */
const LINES = new Set(['li', 'dt', 'dd']);
/** Headers and footers belong to the content inside these; elsewhere they are the site's own. */
const SECTIONING = 'article, main, section, [role~="main"], blockquote';

const NOTE_ITEMS = [
  '[role~="doc-footnote"]',
  '[role~="doc-endnote"]',
  '[epub\\:type~="footnote"]',
  '[epub\\:type~="endnote"]',
  '[epub\\:type~="rearnote"]',
].join(', ');
const NOTE_CONTAINERS = [
  '[role~="doc-endnotes"]',
  '[epub\\:type~="footnotes"]',
  '[epub\\:type~="endnotes"]',
  '[epub\\:type~="rearnotes"]',
  'section.footnotes',
  'div.footnotes',
  'ol.references',
].join(', ');
const NOTE_REFERENCE = /(^|\s)(doc-noteref|noteref)(\s|$)/;
const BACK_LINK_TEXT = /^(↩\uFE0E?\uFE0F?|↑|\^|⤴|back)$/i;

export interface HtmlTextOptions {
  /** The root is a whole page (its own header and footer are left out), not already a chosen content element. */
  page?: boolean;
}

/** Writes the text of `root` (footnotes included) into `w`. The element's subtree is changed: notes are taken out. */
export function writeHtmlText(root: Element, w: PlainTextWriter, options: HtmlTextOptions = {}): void {
  const notes = takeFootnotes(root, w, options);
  walk(root, w, notes, options);
}

/** The text of one element on its own, in one string. */
export function htmlText(root: Element, options: HtmlTextOptions = {}): string {
  const w = new PlainTextWriter();
  writeHtmlText(root, w, options);
  return w.toString();
}

/**
 * Footnotes and endnotes (DPUB-ARIA roles, EPUB's epub:type, the usual "footnotes" sections) are
 * written at the end with the label of the link that points to them, and removed from the text.
 * Returns footnote id -> label, for rendering those links as "[label]".
 */
function takeFootnotes(root: Element, w: PlainTextWriter, options: HtmlTextOptions): Map<string, string> {
  const containers = Array.from(root.querySelectorAll(NOTE_CONTAINERS));
  const candidates = Array.from(root.querySelectorAll(`${NOTE_ITEMS}, ${NOTE_CONTAINERS.split(', ').join(' li, ')} li`));
  const chosen = new Set<Element>();
  const items: Element[] = [];
  for (const el of candidates) {
    if (hasAncestorIn(el, chosen, root)) continue;
    chosen.add(el);
    items.push(el);
  }
  for (const container of containers) if (!container.querySelector('li') && !hasAncestorIn(container, chosen, root)) items.push(container);
  if (items.length === 0) return new Map();

  const referenceText = new Map<string, string>();
  for (const a of Array.from(root.querySelectorAll('a[href^="#"]'))) {
    const id = safeDecode((a.getAttribute('href') ?? '').slice(1));
    const text = (a.textContent ?? '').trim().replace(/^\[(.*)\]$/, '$1');
    if (id && text && !referenceText.has(id) && !BACK_LINK_TEXT.test(text)) referenceText.set(id, text);
  }
  const labels = new Map<string, string>();
  const ordinals = new Map<Element, string>();
  for (const item of items) {
    const id = item.getAttribute('id');
    let label = id ? (referenceText.get(id) ?? null) : null;
    if (label === null && tagName(item) === 'li' && item.parentElement && tagName(item.parentElement) === 'ol') {
      const list = item.parentElement;
      const start = Number(list.getAttribute('start') ?? 1) || 1;
      label = String(
        start +
          Array.from(list.children)
            .filter((c) => tagName(c) === 'li')
            .indexOf(item),
      );
    }
    if (label !== null) ordinals.set(item, label);
    if (id && label !== null) labels.set(id, label);
  }
  for (const item of items) {
    for (const back of Array.from(item.querySelectorAll('a[href^="#"], [role~="doc-backlink"]')))
      if (back.getAttribute('role')?.includes('doc-backlink') || BACK_LINK_TEXT.test((back.textContent ?? '').trim())) back.remove();
    item.remove();
    const note = new PlainTextWriter();
    walk(item, note, labels, { ...options, page: false });
    const label = ordinals.get(item) ?? null;
    let text = note.toString();
    if (label !== null) text = text.replace(new RegExp(`^\\[?${escapeRegExp(label)}\\]?[.):]?\\s+`), '');
    w.footnote(label, text);
  }
  for (const container of containers) container.remove();
  return labels;
}

function walk(root: Element, w: PlainTextWriter, notes: Map<string, string>, options: HtmlTextOptions): void {
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
    if (isSkipped(el, name, root, options) || writeSpecial(el, name, w, notes)) continue;
    const leave = open(el, name, w);
    if (leave) stack.push({ node, leave });
    const children = node.childNodes;
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i] });
  }
}

function isSkipped(el: Element, name: string, root: Element, options: HtmlTextOptions): boolean {
  // The root was chosen by the caller (a footnote aside, a main element): only what is inside it is judged.
  if (el === root) return false;
  if (SKIPPED.has(name)) return true;
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  const role = el.getAttribute('role');
  if (role && role.split(/\s+/).some((r) => SKIPPED_ROLES.has(r))) return true;
  const style = el.getAttribute('style');
  if (style && /(display\s*:\s*none|visibility\s*:\s*hidden)/i.test(style)) return true;
  if ((name === 'header' || name === 'footer') && options.page) {
    const section = el.parentElement?.closest(SECTIONING);
    if (!section || !root.contains(section)) return true;
  }
  return false;
}

/** Elements written whole (their children are not walked): preformatted text, code, math, note references. True when handled. */
function writeSpecial(el: Element, name: string, w: PlainTextWriter, notes: Map<string, string>): boolean {
  if (name === 'pre') {
    w.preformatted(preformattedText(el));
    return true;
  }
  if (name === 'code') {
    const text = preformattedText(el);
    if (text.includes('\n')) w.preformatted(text);
    else w.verbatim(text);
    return true;
  }
  if (name === 'br') {
    w.lineBreak();
    return true;
  }
  if (name === 'math') {
    const tex = texOf(el);
    if (tex === null) return false;
    if (el.getAttribute('display') === 'block') {
      w.block();
      w.verbatim(`$$${tex}$$`);
      w.block();
    } else w.verbatim(`$${tex}$`);
    return true;
  }
  if (name === 'a') {
    const href = el.getAttribute('href');
    const label = href?.startsWith('#') ? notes.get(safeDecode(href.slice(1))) : undefined;
    const type = `${el.getAttribute('role') ?? ''} ${el.getAttribute('epub:type') ?? ''}`;
    if (label !== undefined) w.text(`[${label}]`);
    else if (NOTE_REFERENCE.test(type.trim())) w.text(`[${(el.textContent ?? '').trim().replace(/^\[(.*)\]$/, '$1')}]`);
    else return false;
    return true;
  }
  return false;
}

/** Starts a block, list item, row or cell; returns what to do when it ends. */
function open(el: Element, name: string, w: PlainTextWriter): (() => void) | null {
  if (name === 'tr') {
    w.startRow();
    return () => w.endRow();
  }
  if (name === 'td' || name === 'th') return () => w.endCell();
  if (LINES.has(name) || (BLOCKS.has(name) && el.parentElement?.closest('li, dd, dt'))) {
    w.block(1);
    return () => w.block(1);
  }
  if (BLOCKS.has(name)) {
    w.block(2);
    return () => w.block(2);
  }
  return null;
}

/** The text of a <pre> or <code> exactly as shown: text nodes as they are, <br> as a newline. */
function preformattedText(el: Element): string {
  let out = '';
  const stack: Node[] = [el];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (node.nodeType === 3 || node.nodeType === 4) out += (node as CharacterData).data;
    else if (node.nodeType === 1) {
      if (tagName(node as Element) === 'br') out += '\n';
      else for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
    }
  }
  return out;
}

/** TeX source of a MathML formula, where the page carries it (Wikipedia, MathJax and LaTeXML do). */
function texOf(el: Element): string | null {
  const annotation = Array.from(el.getElementsByTagName('annotation')).find((a) => /tex/i.test(a.getAttribute('encoding') ?? ''));
  const raw = annotation?.textContent ?? el.getAttribute('alttext');
  if (!raw || raw.trim() === '') return null;
  const tex = raw.trim();
  const display = /^\{\\displaystyle (.*)\}$/s.exec(tex);
  return (display ? display[1] : tex).trim();
}

function hasAncestorIn(el: Element, set: Set<Element>, root: Element): boolean {
  for (let p = el.parentElement; p && p !== root; p = p.parentElement) if (set.has(p)) return true;
  return false;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
