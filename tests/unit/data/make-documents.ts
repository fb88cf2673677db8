/**
 * Small documents of every format the corpus reads, built here from one description so that each
 * test states its expected text by hand: Word (.docx, and .doc through a compound file),
 * OpenDocument (.odt), e-book (.epub), RTF and web pages. The zip containers are made with
 * fflate, the .doc container with cfb; the XML inside is written out literally, as the formats'
 * specifications show it. The benchmark builds its larger files with the same functions.
 */
import CFB from 'cfb';
import { strToU8, zipSync, type Zippable } from 'fflate';

export interface SampleDocument {
  heading: string;
  /** Paragraphs in order; a footnote is attached at the paragraph's end. */
  paragraphs: { text: string; footnote?: string }[];
  list: string[];
  table: string[][];
}

/** German and Chinese text, a footnote, a bulleted list and a table: the reference document of the format tests. */
export const SAMPLE: SampleDocument = {
  heading: 'Kaufvertrag über ein Grundstück',
  paragraphs: [{ text: 'Der Käufer zahlt den Kaufpreis fristgerecht.', footnote: 'Siehe § 433 BGB.' }, { text: '本合同自双方签字之日起生效。' }],
  list: ['Erstens: Übergabe', 'Zweitens: Zahlung'],
  table: [
    ['Partei', 'Rolle'],
    ['Müller GmbH', 'Verkäuferin'],
  ],
};

/** What every reader must make of SAMPLE: blocks apart by a blank line, list items and table rows on consecutive lines, footnotes at the end. */
export const SAMPLE_TEXT = [
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
  '[1] Siehe § 433 BGB.',
].join('\n');

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const zip = (files: Record<string, string>, first?: [string, string]): Uint8Array => {
  const entries: Zippable = {};
  // EPUB and OpenDocument want their "mimetype" entry first and stored uncompressed.
  if (first) entries[first[0]] = [strToU8(first[1]), { level: 0 }];
  for (const [name, text] of Object.entries(files)) entries[name] = strToU8(text);
  return zipSync(entries);
};

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const W =
  'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';

/** A Word 2007+ document: styles (Heading 1), numbering (a bulleted list), footnotes and a table, as Word itself lays them out. */
export function makeDocx(doc: SampleDocument): Uint8Array {
  const run = (text: string) => `<w:r><w:t xml:space="preserve">${xmlEscape(text)}</w:t></w:r>`;
  let footnoteId = 0;
  const footnotes: string[] = [];
  const body: string[] = [`<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr>${run(doc.heading)}</w:p>`];
  for (const p of doc.paragraphs) {
    let reference = '';
    if (p.footnote) {
      const id = ++footnoteId;
      reference = `<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="${id}"/></w:r>`;
      footnotes.push(
        `<w:footnote w:id="${id}"><w:p><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>${run(` ${p.footnote}`)}</w:p></w:footnote>`,
      );
    }
    body.push(`<w:p>${run(p.text)}${reference}</w:p>`);
  }
  for (const item of doc.list) body.push(`<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>${run(item)}</w:p>`);
  const rows = doc.table.map(
    (r) => `<w:tr>${r.map((c) => `<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr><w:p>${run(c)}</w:p></w:tc>`).join('')}</w:tr>`,
  );
  body.push(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr>${rows.join('')}</w:tbl>`, '<w:p/>');
  const rel = (id: string, type: string, target: string) =>
    `<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`;
  return zip({
    '[Content_Types].xml': `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>`,
    '_rels/.rels': `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rel('rId1', 'officeDocument', 'word/document.xml')}</Relationships>`,
    'word/_rels/document.xml.rels': `${XML_DECLARATION}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rel('rId1', 'styles', 'styles.xml')}${rel('rId2', 'numbering', 'numbering.xml')}${rel('rId3', 'footnotes', 'footnotes.xml')}</Relationships>`,
    'word/styles.xml': `${XML_DECLARATION}<w:styles ${W}><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/></w:style><w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style></w:styles>`,
    'word/numbering.xml': `${XML_DECLARATION}<w:numbering ${W}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`,
    'word/footnotes.xml': `${XML_DECLARATION}<w:footnotes ${W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>${footnotes.join('')}</w:footnotes>`,
    'word/document.xml': `${XML_DECLARATION}<w:document ${W}><w:body>${body.join('')}<w:sectPr/></w:body></w:document>`,
  });
}

const ODF_NS =
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"';

/** An OpenDocument text: heading, paragraphs with a footnote, a list, a table with a repeated empty column, and a table of contents that is left out. */
export function makeOdt(doc: SampleDocument): Uint8Array {
  let note = 0;
  // Runs of spaces are stored as <text:s text:c="N"/>, as the format requires.
  const text = (s: string) => xmlEscape(s).replace(/ {2,}/g, (m) => ` <text:s text:c="${m.length - 1}"/>`);
  const body: string[] = [
    `<text:table-of-content text:name="TOC"><text:index-body><text:p>Inhalt 1</text:p></text:index-body></text:table-of-content>`,
    `<text:h text:outline-level="1">${text(doc.heading)}</text:h>`,
  ];
  for (const p of doc.paragraphs) {
    const footnote = p.footnote
      ? `<text:note text:id="ftn${++note}" text:note-class="footnote"><text:note-citation>${note}</text:note-citation><text:note-body><text:p>${text(p.footnote)}</text:p></text:note-body></text:note>`
      : '';
    body.push(`<text:p text:style-name="Standard"><text:span>${text(p.text)}</text:span>${footnote}</text:p>`);
  }
  body.push(`<text:list>${doc.list.map((i) => `<text:list-item><text:p>${text(i)}</text:p></text:list-item>`).join('')}</text:list>`);
  const rows = doc.table.map(
    (r) =>
      `<table:table-row>${r.map((c) => `<table:table-cell office:value-type="string"><text:p>${text(c)}</text:p></table:table-cell>`).join('')}<table:table-cell table:number-columns-repeated="1020"/></table:table-row>`,
  );
  body.push(`<table:table table:name="T1"><table:table-column table:number-columns-repeated="${doc.table[0].length}"/>${rows.join('')}</table:table>`);
  return zip(
    {
      'META-INF/manifest.xml': `${XML_DECLARATION}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
      'content.xml': `${XML_DECLARATION}<office:document-content ${ODF_NS}><office:body><office:text><text:sequence-decls/>${body.join('')}</office:text></office:body></office:document-content>`,
    },
    ['mimetype', 'application/vnd.oasis.opendocument.text'],
  );
}

/** An EPUB 3 book: the heading and paragraphs in chapter 1 (with an EPUB footnote aside), the list and table in chapter 2, a navigation document that is not read. */
export function makeEpub(doc: SampleDocument): Uint8Array {
  const xhtml = (title: string, body: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="de"><head><title>${xmlEscape(title)}</title><link rel="stylesheet" href="style.css"/></head><body>${body}</body></html>`;
  let note = 0;
  const notes: string[] = [];
  const paragraphs = doc.paragraphs.map((p) => {
    if (!p.footnote) return `<p>${xmlEscape(p.text)}</p>`;
    const n = ++note;
    notes.push(`<aside epub:type="footnote" id="fn${n}"><p>${n}. ${xmlEscape(p.footnote)}</p></aside>`);
    return `<p>${xmlEscape(p.text)}<a epub:type="noteref" href="#fn${n}">${n}</a></p>`;
  });
  const chapter1 = xhtml(doc.heading, `<section epub:type="chapter"><h1>${xmlEscape(doc.heading)}</h1>${paragraphs.join('')}</section>${notes.join('')}`);
  const table = `<table><tbody>${doc.table.map((r) => `<tr>${r.map((c) => `<td>${xmlEscape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const chapter2 = xhtml('2', `<ul>${doc.list.map((i) => `<li>${xmlEscape(i)}</li>`).join('')}</ul>${table}`);
  const nav = xhtml('Inhalt', `<nav epub:type="toc"><ol><li><a href="ch1.xhtml">${xmlEscape(doc.heading)}</a></li></ol></nav>`);
  return zip(
    {
      'META-INF/container.xml': `<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`,
      'OEBPS/content.opf': `<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:uuid:0</dc:identifier><dc:title>${xmlEscape(doc.heading)}</dc:title><dc:language>de</dc:language></metadata><manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/><item id="c1" href="text/ch%201.xhtml" media-type="application/xhtml+xml"/><item id="c2" href="text/ch2.xhtml" media-type="application/xhtml+xml"/><item id="css" href="style.css" media-type="text/css"/></manifest><spine><itemref idref="nav"/><itemref idref="c1"/><itemref idref="c2"/></spine></package>`,
      'OEBPS/nav.xhtml': nav,
      'OEBPS/text/ch 1.xhtml': chapter1,
      'OEBPS/text/ch2.xhtml': chapter2,
      'OEBPS/style.css': 'p { margin: 0 }',
    },
    ['mimetype', 'application/epub+zip'],
  );
}

/** RTF as Word writes it: Windows-1252 bytes as \'hh, other characters as \uN with a fallback, a footnote, list paragraphs and a table. */
export function makeRtf(doc: SampleDocument): Uint8Array {
  const cp1252 = new Map<string, number>([
    ['§', 0xa7],
    ['ä', 0xe4],
    ['ö', 0xf6],
    ['ü', 0xfc],
    ['Ä', 0xc4],
    ['Ö', 0xd6],
    ['Ü', 0xdc],
    ['ß', 0xdf],
  ]);
  const text = (s: string) =>
    Array.from(s, (ch) => {
      if (ch === '\\' || ch === '{' || ch === '}') return `\\${ch}`;
      const byte = cp1252.get(ch);
      if (byte !== undefined) return `\\'${byte.toString(16)}`;
      const code = ch.codePointAt(0) as number;
      if (code < 0x80) return ch;
      return `\\u${code > 0x7fff ? code - 0x10000 : code}?`;
    }).join('');
  const parts: string[] = [
    '{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}{\\f1\\fnil\\fcharset134 SimSun;}}',
    '{\\colortbl;\\red0\\green0\\blue0;}{\\stylesheet{\\s0 Normal;}{\\s1 heading 1;}}',
    "{\\*\\listtable{\\list\\listtemplateid1{\\listlevel\\levelnfc23{\\leveltext\\'01\\u8226 ?;}}\\listid1}}{\\*\\listoverridetable{\\listoverride\\listid1\\ls1}}",
    '{\\info{\\title Vertrag}{\\author Anwalt}}',
    '{\\header\\pard\\plain Kopfzeile\\par}',
    `\\pard\\plain\\s1\\b ${text(doc.heading)}\\b0\\par`,
  ];
  for (const p of doc.paragraphs) {
    const footnote = p.footnote ? `{\\super\\chftn}{\\footnote\\pard\\plain{\\super\\chftn} ${text(p.footnote)}}` : '';
    parts.push(`\\pard\\plain ${text(p.text)}${footnote}\\par`);
  }
  for (const item of doc.list) parts.push(`\\pard\\plain\\ls1\\ilvl0{\\listtext\\'95\\tab}${text(item)}\\par`);
  const cells = doc.table[0].map((_, i) => `\\cellx${(i + 1) * 3000}`).join('');
  for (const row of doc.table) parts.push(`\\trowd${cells}\\pard\\plain\\intbl ${row.map((c) => `${text(c)}\\cell `).join('')}\\row`);
  parts.push('\\pard\\par}');
  return new TextEncoder().encode(parts.join('\n'));
}

/** A saved web page: site navigation, a header, scripts and styles around the main content, which holds a code block and endnotes. */
export function makeHtmlPage(doc: SampleDocument, code: string): string {
  let note = 0;
  const notes: string[] = [];
  const paragraphs = doc.paragraphs.map((p) => {
    if (!p.footnote) return `<p>${xmlEscape(p.text)}</p>`;
    const n = ++note;
    notes.push(`<li id="fn${n}"><p>${xmlEscape(p.footnote)} <a href="#ref${n}" role="doc-backlink">↩</a></p></li>`);
    return `<p>${xmlEscape(p.text)}<sup><a id="ref${n}" href="#fn${n}" role="doc-noteref">${n}</a></sup></p>`;
  });
  return `<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Urteile – Gericht online</title>
<style>body { font-family: serif } nav a { margin: 0 1em }</style>
<script>window.analytics = { track: function () { return "tracked"; } };</script>
</head>
<body>
<a class="skip" href="#main">Zum Inhalt springen</a>
<header><div class="logo">Gericht online</div><nav aria-label="Hauptmenü"><ul><li><a href="/">Startseite</a></li><li><a href="/urteile">Urteile</a></li><li><a href="/kontakt">Kontakt</a></li></ul></nav></header>
<main id="main">
  <h1>${xmlEscape(doc.heading)}</h1>
  ${paragraphs.join('\n  ')}
  <ul>${doc.list.map((i) => `<li>${xmlEscape(i)}</li>`).join('')}</ul>
  <table><thead><tr>${doc.table[0].map((c) => `<th>${xmlEscape(c)}</th>`).join('')}</tr></thead>
  <tbody>${doc.table
    .slice(1)
    .map((r) => `<tr>${r.map((c) => `<td>${xmlEscape(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>
  <pre><code>${xmlEscape(code)}</code></pre>
  <form><label>Suche <input name="q"></label><button>Los</button></form>
  <section role="doc-endnotes"><h2 hidden>Fußnoten</h2><ol>${notes.join('')}</ol></section>
</main>
<aside><h2>Ähnliche Urteile</h2><ul><li><a href="/u/1">Urteil 1</a></li></ul></aside>
<footer><p>© 2024 Gericht online · <a href="/impressum">Impressum</a></p></footer>
<script>window.analytics.track("view");</script>
<noscript>Bitte JavaScript aktivieren.</noscript>
</body></html>
`;
}

/**
 * A Word 97-2003 (.doc) file: a compound file with the WordDocument stream (a File Information
 * Block, one page of paragraph properties and the text) and the 1Table stream (the piece table
 * and the paragraph-property index), as [MS-DOC] lays them out. The text is one UTF-16 piece:
 * the main text, then the footnote text; paragraphs end in a carriage return, table cells in
 * \x07, and each row in a \x07 paragraph marked as the row's end (sprmPFTtp), which is how Word
 * tells rows apart. Footnote references are the \x02 character.
 */
export function makeDoc(doc: SampleDocument): Uint8Array {
  let mainText = `${doc.heading}\r`;
  const rowEnds: number[] = [];
  const notes: string[] = [];
  for (const p of doc.paragraphs) {
    mainText += `${p.text}${p.footnote ? '\x02' : ''}\r`;
    if (p.footnote) notes.push(`\x02 ${p.footnote}\r`);
  }
  for (const item of doc.list) mainText += `${item}\r`;
  for (const row of doc.table) {
    mainText += row.map((c) => `${c}\x07`).join('');
    rowEnds.push(mainText.length);
    mainText += '\x07';
  }
  mainText += '\r';
  const noteText = notes.length ? `${notes.join('')}\r` : '';
  const text = mainText + noteText;

  const PAGE = 512;
  const FKP_PAGE = 3;
  const TEXT_OFFSET = 4 * PAGE;
  const fcOf = (cp: number) => TEXT_OFFSET + 2 * cp;
  const wordDocument = Buffer.alloc(TEXT_OFFSET + text.length * 2);
  wordDocument.writeUInt16LE(0xa5ec, 0x0000); // wIdent
  wordDocument.writeUInt16LE(0x00c1, 0x0002); // nFib: Word 97
  wordDocument.writeUInt16LE(0x0200, 0x000a); // flags: fWhichTblStm (the piece table is in 1Table)
  wordDocument.writeInt32LE(mainText.length, 0x004c); // ccpText
  wordDocument.writeInt32LE(noteText.length, 0x0050); // ccpFtn
  Buffer.from(text, 'utf16le').copy(wordDocument, TEXT_OFFSET);

  // One FKP page of paragraph properties: runs alternate between a row-end mark (sprmPFTtp = 1) and the text up to the next one.
  const fkp = Buffer.alloc(PAGE);
  const bounds: number[] = [];
  rowEnds.forEach((cp, i) => {
    if (i > 0) bounds.push(fcOf(cp));
    bounds.push(fcOf(cp), fcOf(cp) + 2);
  });
  const runs = [...new Set(bounds)];
  const crun = runs.length - 1;
  runs.forEach((fc, i) => fkp.writeUInt32LE(fc, i * 4));
  const TTP_PAPX = 0x100;
  const PLAIN_PAPX = 0x110;
  Buffer.from([3, 0, 0, 0x17, 0x24, 0x01]).copy(fkp, TTP_PAPX); // cb = 3: istd 0, sprmPFTtp with operand 1
  Buffer.from([0, 1, 0, 0]).copy(fkp, PLAIN_PAPX); // cb = 0, cb' = 1: istd 0 only
  for (let j = 0; j < crun; j++) fkp[(crun + 1) * 4 + j * 13] = (rowEnds.some((cp) => fcOf(cp) === runs[j]) ? TTP_PAPX : PLAIN_PAPX) / 2;
  fkp[PAGE - 1] = crun;
  fkp.copy(wordDocument, FKP_PAGE * PAGE);

  // The piece table (Clx): one Pcdt holding the character positions [0, n] and one piece of UTF-16 text.
  const plcPcd = Buffer.alloc(4 * 2 + 8);
  plcPcd.writeInt32LE(0, 0);
  plcPcd.writeInt32LE(text.length, 4);
  plcPcd.writeInt32LE(TEXT_OFFSET, 10);
  const clx = Buffer.concat([Buffer.from([0x02, 0, 0, 0, 0]), plcPcd]);
  clx.writeInt32LE(plcPcd.length, 1);
  const plcBtePapx = Buffer.alloc(12);
  plcBtePapx.writeUInt32LE(runs[0], 0);
  plcBtePapx.writeUInt32LE(runs[crun], 4);
  plcBtePapx.writeUInt32LE(FKP_PAGE, 8);
  wordDocument.writeInt32LE(clx.length, 0x0102); // fcPlcfbtePapx
  wordDocument.writeInt32LE(plcBtePapx.length, 0x0106); // lcbPlcfbtePapx
  wordDocument.writeInt32LE(0, 0x01a2); // fcClx
  wordDocument.writeInt32LE(clx.length, 0x01a6); // lcbClx

  const container = CFB.utils.cfb_new();
  CFB.utils.cfb_add(container, '/WordDocument', wordDocument);
  CFB.utils.cfb_add(container, '/1Table', Buffer.concat([clx, plcBtePapx]));
  return Uint8Array.from(CFB.write(container, { type: 'buffer' }) as Buffer);
}
