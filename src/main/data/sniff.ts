/**
 * What a file's first bytes say about it, for files whose name says nothing (no extension, or
 * one like ".0" or ".v2"), and to catch a binary file under a text name (a PNG saved as .txt).
 * Known binary formats are recognised by their signature ("magic number") and named in the skip
 * reason; documents by theirs (%PDF, {\rtf, a zip whose first entry declares an EPUB or an
 * OpenDocument text, a Word zip or compound file); web pages by their opening tag; anything else
 * is text when it looks like text in a known encoding (a byte-order mark, UTF-16 by its NUL
 * pattern, or few control characters: UTF-8 and legacy 8-bit encodings alike).
 */
import { utf16WithoutMark } from './decode.js';
import type { DocumentKind, FileClass } from './file-types.js';

/** Bytes read from the start of a file to judge it by. */
export const SNIFF_BYTES = 8192;
/** Text has at most a few stray control characters (form feeds, escape codes); binary data has many. */
const MAX_CONTROL_SHARE = 0.01;

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const startsWith = (b: Uint8Array, prefix: number[], at = 0) => prefix.every((v, i) => b[at + i] === v);
const includesBytes = (b: Uint8Array, needle: number[]) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).includes(Buffer.from(needle));

/** Binary formats that say what they are in their first bytes, with the words the skip list uses. */
const SIGNATURES: { bytes: number[]; at?: number; label: string }[] = [
  { bytes: [0x7f, 0x45, 0x4c, 0x46], label: 'an ELF executable or library' },
  { bytes: [0xfe, 0xed, 0xfa, 0xce], label: 'a macOS executable' },
  { bytes: [0xfe, 0xed, 0xfa, 0xcf], label: 'a macOS executable' },
  { bytes: [0xce, 0xfa, 0xed, 0xfe], label: 'a macOS executable' },
  { bytes: [0xcf, 0xfa, 0xed, 0xfe], label: 'a macOS executable' },
  { bytes: [0xca, 0xfe, 0xba, 0xbe], label: 'a compiled program (Java class or macOS universal binary)' },
  { bytes: [0x00, 0x61, 0x73, 0x6d], label: 'a WebAssembly module' },
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], label: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], label: 'a JPEG image' },
  { bytes: ascii('GIF87a'), label: 'a GIF image' },
  { bytes: ascii('GIF89a'), label: 'a GIF image' },
  { bytes: [0x49, 0x49, 0x2a, 0x00], label: 'a TIFF image' },
  { bytes: [0x4d, 0x4d, 0x00, 0x2a], label: 'a TIFF image' },
  { bytes: ascii('RIFF'), label: 'a media file (image, audio or video)' },
  { bytes: ascii('ftyp'), at: 4, label: 'an MP4 or QuickTime media file' },
  { bytes: [0x1a, 0x45, 0xdf, 0xa3], label: 'a Matroska or WebM video' },
  { bytes: ascii('ID3'), label: 'an MP3 audio file' },
  { bytes: ascii('OggS'), label: 'an Ogg audio or video file' },
  { bytes: ascii('fLaC'), label: 'a FLAC audio file' },
  { bytes: [0x1f, 0x8b], label: 'a gzip archive' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], label: 'an xz archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], label: 'a 7-Zip archive' },
  { bytes: ascii('Rar!\x1a\x07'), label: 'a RAR archive' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], label: 'a Zstandard archive' },
  { bytes: ascii('SQLite format 3\0'), label: 'an SQLite database' },
  { bytes: ascii('GGUF'), label: 'a GGUF model file' },
];
const PDF = ascii('%PDF-');
const RTF = ascii('{\\rtf');
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** The UTF-16 name of the stream that every Word 97-2003 compound file holds. */
const WORD_STREAM = Array.from(Buffer.from('WordDocument', 'utf16le'));
const MIMETYPE_ENTRY = ascii('mimetype');
const MIMETYPE_KINDS: Record<string, DocumentKind> = { 'application/epub+zip': 'epub', 'application/vnd.oasis.opendocument.text': 'odt' };
const PRIVATE_KEY = /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const WEB_PAGE = /^(?:<\?xml[^>]*>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html[\s>])/i;

/** A known binary format's name, when the bytes start with its signature. */
export function binarySignature(head: Uint8Array): string | null {
  for (const s of SIGNATURES) if (startsWith(head, s.bytes, s.at)) return s.label;
  // "MZ" alone could begin a text; with NUL bytes after it, it is a Windows program.
  if (head[0] === 0x4d && head[1] === 0x5a && head.subarray(2, 512).includes(0)) return 'a Windows executable';
  return null;
}

/** The document kind, or why the file is skipped, judged by its first bytes alone. */
export function sniffContent(head: Uint8Array): FileClass {
  if (head.length === 0) return { skip: 'empty file' };
  if (startsWith(head, PDF)) return { kind: 'pdf' };
  if (startsWith(head, RTF)) return { kind: 'rtf' };
  if (startsWith(head, ZIP)) return zipKind(head);
  if (startsWith(head, OLE2))
    return includesBytes(head, WORD_STREAM)
      ? { kind: 'doc' }
      : { skip: 'a Microsoft Office 97-2003 file that is not a Word document (a spreadsheet or slides?)' };
  const binary = binarySignature(head);
  if (binary) return { skip: `${binary}, not text` };
  const problem = textProblem(head);
  if (problem) return { skip: problem };
  const opening = new TextDecoder('latin1')
    .decode(head.subarray(0, 1024))
    .replace(/^\uFEFF|^ï»¿/, '')
    .trimStart();
  if (PRIVATE_KEY.test(opening)) return { skip: 'a private key, never used for training' };
  if (WEB_PAGE.test(opening)) return { kind: 'html' };
  return { kind: 'text' };
}

/** Why these bytes are not text, or null when they look like text in some encoding. */
export function textProblem(head: Uint8Array): string | null {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff) || startsWith(head, [0xef, 0xbb, 0xbf])) return null;
  if (head.includes(0)) return utf16WithoutMark(head) ? null : 'binary content (NUL bytes), not text';
  let control = 0;
  for (const b of head) if ((b < 0x20 && (b < 0x09 || b > 0x0d)) || b === 0x7f) control++;
  return control > MAX_CONTROL_SHARE * head.length ? `binary content (${control} control characters in the first ${head.length} bytes), not text` : null;
}

/**
 * EPUB and OpenDocument put an uncompressed "mimetype" entry first, so its name and value sit at
 * fixed places in the first local header (offset 30). A Word zip names its "word/" parts early.
 */
function zipKind(head: Uint8Array): FileClass {
  if (startsWith(head, MIMETYPE_ENTRY, 30)) {
    const value = new TextDecoder('latin1').decode(head.subarray(38, 38 + 80));
    for (const [type, kind] of Object.entries(MIMETYPE_KINDS)) if (value.startsWith(type)) return { kind };
    if (value.startsWith('application/vnd.oasis.opendocument.')) return { skip: 'an OpenDocument file that is not a text document (a spreadsheet or slides?)' };
  }
  if (includesBytes(head, ascii('word/'))) return { kind: 'docx' };
  return { skip: 'a zip archive, not a document (unpack it into the folder to use what it holds)' };
}

/** Containers of the formats that are zips or compound files, as their first bytes show. */
const CONTAINERS: Partial<Record<DocumentKind, number[]>> = { docx: ZIP, odt: ZIP, epub: ZIP, doc: OLE2 };

/**
 * The kind a document file is read as: what its extension says, unless its content says
 * otherwise (a .doc that is really RTF or a renamed .docx, a .docx that is plain text). A zip or
 * compound file that matches its extension keeps it, since its first bytes cannot always name
 * the format; an EPUB or OpenDocument zip names itself.
 */
export function contentKind(declared: DocumentKind, head: Uint8Array): FileClass {
  const sniffed = sniffContent(head);
  if ('kind' in sniffed && (sniffed.kind === 'epub' || sniffed.kind === 'odt')) return sniffed;
  const container = CONTAINERS[declared];
  if (container && startsWith(head, container)) return { kind: declared };
  // pdf.js accepts a header anywhere in the first kilobyte, after stray bytes a mail program or a download left.
  if (declared === 'pdf' && includesBytes(head.subarray(0, 1024), PDF)) return { kind: 'pdf' };
  return sniffed;
}
