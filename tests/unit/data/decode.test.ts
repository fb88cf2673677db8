/** Encoding detection and line endings: the same text arrives the same whatever its encoding. */
import { describe, expect, it } from 'vitest';
import { decodeBytes, normalizeLineEndings, scanUtf8 } from '../../../src/main/data/decode.js';

const TEXT =
  'Der Käufer schuldet den Kaufpreis (§ 433 BGB). Les parties conviennent: café, naïve, déjà vu.\nZweite Zeile über Straße und Übergabe; résiliation du contrat à l’échéance.\n';

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1];
    be[i + 1] = le[i];
  }
  return be;
}

describe('decodeBytes', () => {
  it('decodes UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM, UTF-16 LE without BOM and Latin-1 to the same text', () => {
    const latinText = TEXT.replace('’', "'"); // Latin-1 has no typographic apostrophe
    const cases: [string, Buffer, string][] = [
      ['utf-8', Buffer.from(TEXT, 'utf8'), TEXT],
      ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')]), TEXT],
      ['utf-16le with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]), TEXT],
      ['utf-16be with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), TEXT],
      ['utf-16le without BOM', Buffer.from(TEXT, 'utf16le'), TEXT],
      ['latin-1', Buffer.from(latinText, 'latin1'), latinText],
    ];
    for (const [label, bytes, expected] of cases) {
      const d = decodeBytes(bytes);
      expect(d.ok, label).toBe(true);
      if (d.ok) expect(d.text, label).toBe(expected);
    }
  });

  it('reports the encoding it used', () => {
    const latin = decodeBytes(Buffer.from(TEXT.replace('’', "'"), 'latin1'));
    expect(latin.ok && latin.encoding).toMatch(/iso-8859-1|windows-1252/);
    const bom = decodeBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]));
    expect(bom.ok && bom.encoding).toBe('utf-16le with byte-order mark');
  });

  it('normalises CRLF and lone CR to LF in every encoding', () => {
    const crlf = 'line one\r\nline two\r\nline three\rline four\n';
    const expected = 'line one\nline two\nline three\nline four\n';
    expect(normalizeLineEndings(crlf)).toBe(expected);
    for (const bytes of [Buffer.from(crlf, 'utf8'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(crlf, 'utf16le')])]) {
      const d = decodeBytes(bytes);
      expect(d.ok && d.text).toBe(expected);
    }
  });

  it('names the byte and line of damaged UTF-8 instead of guessing a legacy encoding', () => {
    const good = Buffer.from('Grüße aus München.\nSchöne Grüße, ', 'utf8');
    const bytes = Buffer.concat([good, Buffer.from([0xc3, 0x28]), Buffer.from(' und weiter — danke.', 'utf8')]);
    const d = decodeBytes(bytes);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason).toContain(`invalid UTF-8 at byte ${good.length} (line 2)`);
      expect(d.reason).toMatch(/save it again as UTF-8/);
    }
  });

  it('calls NUL-laden and control-character data binary', () => {
    const nul = decodeBytes(Uint8Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    expect(nul.ok).toBe(false);
    if (!nul.ok) expect(nul.reason).toMatch(/binary content/);
    const controls = decodeBytes(Buffer.from('abc\x01\x02\x03\x04\x05\x06\x07\x08 def'.repeat(50)));
    expect(controls.ok).toBe(false);
    if (!controls.ok) expect(controls.reason).toMatch(/binary content \(\d+ control characters\)/);
  });

  it('scanUtf8 counts well-formed multi-byte sequences and rejects overlongs and surrogates', () => {
    expect(scanUtf8(Buffer.from('aé€😀', 'utf8'))).toEqual({ multiByteSequences: 3, invalidSequences: 0, firstInvalid: -1 });
    expect(scanUtf8(Uint8Array.of(0xc0, 0x80)).invalidSequences).toBe(2); // overlong NUL
    expect(scanUtf8(Uint8Array.of(0xed, 0xa0, 0x80)).firstInvalid).toBe(0); // UTF-16 surrogate
  });
});
