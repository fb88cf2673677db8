/// <reference lib="dom" />
// The readers walk documents parsed by linkedom, which implements the standard DOM types.
/**
 * Parsing HTML and XML into a standard DOM, through linkedom (a small, fast DOM built on
 * htmlparser2). One DOM for every markup the readers meet: web pages, EPUB chapters (XHTML),
 * OpenDocument and EPUB package files (XML), and the HTML mammoth makes of a Word file.
 */
import { decodeHTMLStrict } from 'entities';
import { DOMParser, parseHTML } from 'linkedom';

export function parseHtml(html: string): Document {
  return parseHTML(html).document as unknown as Document;
}

export function parseXml(xml: string): Document {
  return new DOMParser().parseFromString(xml, 'text/xml') as unknown as Document;
}

const XML_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** XHTML as XML (so that <title/> and <a id="x"/> close), with HTML's named entities (&nbsp;, &eacute;) that XML lacks turned into character references. */
export function parseXhtml(xhtml: string): Document {
  const withReferences = xhtml.replace(/&([A-Za-z][A-Za-z0-9]{1,31});/g, (reference, name: string) => {
    if (XML_ENTITIES.has(name)) return reference;
    const decoded = decodeHTMLStrict(reference);
    if (decoded === reference) return reference;
    return Array.from(decoded, (c) => `&#${c.codePointAt(0)};`).join('');
  });
  return parseXml(withReferences);
}

/** The element's name without case (HTML parsing upper-cases it, XML keeps it) and with any namespace prefix kept. */
export const tagName = (el: Element): string => el.nodeName.toLowerCase();

/** Child elements, in order (linkedom nodes are a standard DOM). */
export function childElements(el: Element): Element[] {
  return Array.from(el.children);
}
