/**
 * Bytes of a text file -> one JavaScript string with "\n" line endings, or a plain reason why the
 * file is not text. Order of evidence, strongest first: a byte-order mark; NUL bytes (UTF-16
 * without a mark, else binary); valid UTF-8; damaged UTF-8; a legacy encoding guessed by chardet.
 */
import { isUtf8 } from 'node:buffer';
import chardet from 'chardet';

export type Decoded = { ok: true; text: string; encoding: string } | { ok: false; reason: string };

/** Enough bytes to judge the whole file by, without scanning a 1 GB log twice. */
const SAMPLE_BYTES = 64 * 1024;
/** Text has at most a few stray control characters (form feeds, escape codes); binary data has many. */
const MAX_CONTROL_SHARE = 0.01;

export function normalizeLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

export function decodeBytes(bytes: Uint8Array): Decoded {
  const bom = byteOrderMark(bytes);
  if (bom) return strictDecode(bytes, bom.encoding, `${bom.encoding} with byte-order mark`);

  const sample = bytes.subarray(0, SAMPLE_BYTES);
  if (sample.includes(0)) {
    const utf16 = utf16WithoutMark(sample);
    if (utf16) return strictDecode(bytes, utf16, utf16);
    return { ok: false, reason: 'binary content (NUL bytes), not text' };
  }
  if (isUtf8(bytes)) return checkedText(new TextDecoder('utf-8').decode(bytes), 'utf-8');

  const scan = scanUtf8(bytes);
  // Legacy single-byte text almost never forms valid multi-byte UTF-8 sequences by accident, so
  // a file that has them is UTF-8 with damage, and a guessed encoding would only produce mojibake.
  if (scan.multiByteSequences > scan.invalidSequences) {
    return {
      ok: false,
      reason: `invalid UTF-8 at byte ${scan.firstInvalid} (line ${lineAt(bytes, scan.firstInvalid)}): the file looks like UTF-8 but is damaged; repair it or save it again as UTF-8`,
    };
  }
  const guess = chardet.analyse(sample)[0];
  if (!guess) return { ok: false, reason: 'not valid UTF-8 and its encoding could not be recognised; save it as UTF-8' };
  return strictDecode(bytes, guess.name.toLowerCase(), guess.name.toLowerCase());
}

function byteOrderMark(b: Uint8Array): { encoding: string } | null {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { encoding: 'utf-8' };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le' };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be' };
  return null;
}

/**
 * UTF-16 text in Latin script has a NUL in every other byte: the high byte of each code unit,
 * at odd offsets for little-endian and even offsets for big-endian. Binary data has NULs anywhere.
 */
export function utf16WithoutMark(sample: Uint8Array): string | null {
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const units = sample.length / 2;
  if (odd > 0.3 * units && even < 0.02 * units) return 'utf-16le';
  if (even > 0.3 * units && odd < 0.02 * units) return 'utf-16be';
  return null;
}

function strictDecode(bytes: Uint8Array, encoding: string, label: string): Decoded {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    return { ok: false, reason: `text in the ${label} encoding, which this app cannot read; save it as UTF-8` };
  }
  try {
    // TextDecoder drops a leading byte-order mark itself.
    return checkedText(decoder.decode(bytes), label);
  } catch {
    return { ok: false, reason: `not valid ${label} text; save it as UTF-8` };
  }
}

function checkedText(text: string, encoding: string): Decoded {
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Tab, newline, vertical tab, form feed and carriage return are layout, not binary noise.
    if ((c < 0x20 && (c < 0x09 || c > 0x0d)) || c === 0x7f) control++;
  }
  if (control > MAX_CONTROL_SHARE * text.length) return { ok: false, reason: `binary content (${control} control characters), not text` };
  return { ok: true, text: normalizeLineEndings(text), encoding };
}

/** Counts well-formed multi-byte UTF-8 sequences and ill-formed ones (RFC 3629 rules, no overlongs or surrogates). */
export function scanUtf8(b: Uint8Array): { multiByteSequences: number; invalidSequences: number; firstInvalid: number } {
  let multiByteSequences = 0;
  let invalidSequences = 0;
  let firstInvalid = -1;
  let i = 0;
  while (i < b.length) {
    const lead = b[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    let ok = length > 0 && i + length <= b.length;
    for (let k = 1; ok && k < length; k++) ok = (b[i + k] & 0xc0) === 0x80;
    if (ok && length === 3) {
      const second = b[i + 1];
      ok = !(lead === 0xe0 && second < 0xa0) && !(lead === 0xed && second > 0x9f);
    }
    if (ok && length === 4) {
      const second = b[i + 1];
      ok = !(lead === 0xf0 && second < 0x90) && !(lead === 0xf4 && second > 0x8f);
    }
    if (ok) {
      multiByteSequences++;
      i += length;
    } else {
      if (firstInvalid < 0) firstInvalid = i;
      invalidSequences++;
      i++;
    }
  }
  return { multiByteSequences, invalidSequences, firstInvalid };
}

/** 1-based line number of a byte offset. */
export function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
