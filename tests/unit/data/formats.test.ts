/**
 * The document readers, each on a small file of its format built by this test suite
 * (make-documents.ts), with the expected text written out by hand: a heading, German and Chinese
 * paragraphs, a footnote, a list and a table, in the one shape every reader produces.
 */
import { describe, expect, it } from 'vitest';
import { docText } from '../../../src/main/data/formats/doc.js';
import { docxText } from '../../../src/main/data/formats/docx.js';
import { epubText } from '../../../src/main/data/formats/epub.js';
import { htmlText } from '../../../src/main/data/formats/html.js';
import { odtText } from '../../../src/main/data/formats/odt.js';
import { rtfText } from '../../../src/main/data/formats/rtf.js';
import { PlainTextWriter } from '../../../src/main/data/formats/plain-text.js';
import { makeDoc, makeDocx, makeEpub, makeHtmlPage, makeOdt, makeRtf, SAMPLE, SAMPLE_TEXT } from './make-documents.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const CODE = 'function clamp(x, lo, hi) {\n    if (x < lo) return lo;\n    return x > hi ? hi : x;\n}';

describe('document readers', () => {
  it('read Word, OpenDocument, RTF and EPUB files to the same text', async () => {
    expect(await docxText(makeDocx(SAMPLE))).toEqual({ ok: true, text: SAMPLE_TEXT, encoding: 'docx' });
    expect(await odtText(makeOdt(SAMPLE))).toEqual({ ok: true, text: SAMPLE_TEXT, encoding: 'odt' });
    expect(await rtfText(makeRtf(SAMPLE))).toEqual({ ok: true, text: SAMPLE_TEXT, encoding: 'rtf' });
    expect(await epubText(makeEpub(SAMPLE))).toEqual({ ok: true, text: SAMPLE_TEXT, encoding: 'epub' });
  });

  it('read a Word 97-2003 file: paragraphs, table rows and footnotes, without heading or list structure', async () => {
    expect(await docText(makeDoc(SAMPLE))).toEqual({
      ok: true,
      text: [
        'Kaufvertrag über ein Grundstück',
        '',
        'Der Käufer zahlt den Kaufpreis fristgerecht.',
        '',
        '本合同自双方签字之日起生效。',
        '',
        'Erstens: Übergabe',
        '',
        'Zweitens: Zahlung',
        '',
        'Partei\tRolle',
        'Müller GmbH\tVerkäuferin',
        '',
        'Siehe § 433 BGB.',
      ].join('\n'),
      encoding: 'doc',
    });
  });

  it('read a web page: its main content, code verbatim, notes at the end; no navigation, scripts, styles, forms or footer', () => {
    expect(htmlText(utf8(makeHtmlPage(SAMPLE, CODE)))).toEqual({
      ok: true,
      text: [
        'Kaufvertrag über ein Grundstück',
        '',
        'Der Käufer zahlt den Kaufpreis fristgerecht.[1]',
        '',
        '本合同自双方签字之日起生效。',
        '',
        'Erstens: Übergabe',
        'Zweitens: Zahlung',
        '',
        'Partei\tRolle',
        'Müller GmbH\tVerkäuferin',
        '',
        'function clamp(x, lo, hi) {',
        '    if (x < lo) return lo;',
        '    return x > hi ? hi : x;',
        '}',
        '',
        '[1] Siehe § 433 BGB.',
      ].join('\n'),
      encoding: 'utf-8',
    });
  });

  it('find the article of a page without landmarks (Readability) and drop its menus and sidebars', () => {
    const article = [
      'The court held that the clause was void, because it shifted the whole risk to the tenant, and because no notice had been given.',
      'On appeal, the landlord argued that the tenant had agreed to the clause in writing, but the court found that the agreement was not freely made.',
      'The judgment was therefore upheld, and the costs of the appeal were awarded to the tenant, in full, as the rules provide.',
    ];
    const page = `<html><head><title>Judgments</title><script>var x = 1;</script></head><body>
      <div id="top"><a href="/">Home</a> | <a href="/cases">Cases</a> | <a href="/about">About</a></div>
      <div class="menu"><ul><li><a href="/a">Civil</a></li><li><a href="/b">Criminal</a></li><li><a href="/c">Family</a></li></ul></div>
      <div class="content"><h1>Tenant v. Landlord</h1>${article.map((p) => `<p>${p}</p>`).join('\n')}</div>
      <div class="sidebar"><h3>Related</h3><ul><li><a href="/r1">Another case</a></li><li><a href="/r2">A third case</a></li></ul></div>
      <div class="footer">Copyright 2024 Judgments Online · <a href="/privacy">Privacy</a></div>
    </body></html>`;
    expect(htmlText(utf8(page))).toEqual({ ok: true, text: ['Tenant v. Landlord', ...article].join('\n\n'), encoding: 'utf-8' });
  });

  it('honour a page declared in a legacy encoding, keep TeX of MathML formulas, and refuse a page with no text', () => {
    const latin1 = Buffer.from('<html><head><meta charset="iso-8859-1"></head><body><main><p>Gem\u00e4\u00df \u00a7 1</p></main></body></html>', 'latin1');
    expect(htmlText(latin1)).toEqual({ ok: true, text: 'Gemäß § 1', encoding: 'iso-8859-1' });
    const math = '<main><p>Let <math alttext="{\\displaystyle x^{2}+1}"><mi>x</mi></math> be positive.</p></main>';
    expect(htmlText(utf8(math))).toEqual({ ok: true, text: 'Let $x^{2}+1$ be positive.', encoding: 'utf-8' });
    expect(htmlText(utf8('<html><head><script>alert(1)</script></head><body><nav><a href="/">Home</a></nav></body></html>'))).toEqual({
      ok: false,
      reason: 'web page without readable text (only markup, scripts or navigation)',
    });
  });
});

describe('the plain-text shape', () => {
  it('collapses white space in lines, keeps verbatim text, and flattens a table inside a cell', () => {
    const w = new PlainTextWriter();
    w.text('  One \n  paragraph\t here. ');
    w.block();
    w.preformatted('\n  indented\n    more\n\n');
    w.startRow();
    w.text('outer');
    w.endCell();
    w.startRow();
    w.text('inner a');
    w.endCell();
    w.text('inner b');
    w.endCell();
    w.endRow();
    w.endCell();
    w.endRow();
    w.footnote('2', ' a   note ');
    expect(w.toString()).toBe('One paragraph here.\n\n  indented\n    more\n\nouter\tinner a inner b\n\n[2] a note');
  });
});
