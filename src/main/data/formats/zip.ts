/**
 * The zip container of .docx, .odt and .epub files, through yauzl. yauzl checks the archive's
 * structure (a damaged or truncated central directory is an error, not a list of garbage names)
 * and checks every entry's inflated size against the size its directory declares. Only the
 * entries a reader asks for are inflated, and only within MAX_UNPACKED_BYTES in all, so a small
 * file that would unpack to gigabytes (a "zip bomb") is refused before it fills memory.
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { formatSize } from '../sizes.js';

/** Text entries of one document, unpacked, at most: far above any real document's XML. */
export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

export class ZipProblem extends Error {}

export interface ZipContents {
  /** Every entry name in the archive, in directory order. */
  names: string[];
  /** The entries that were asked for, unpacked. */
  files: Map<string, Uint8Array>;
}

/**
 * Unpacks the entries `wanted` picks (or, with `inflate` false, only checks their declared sizes);
 * rejects with ZipProblem, in plain words, for a damaged or oversized archive.
 */
export async function unzipEntries(bytes: Uint8Array, wanted: (name: string) => boolean, what: string, inflate = true): Promise<ZipContents> {
  const damaged = (e: unknown) => new ZipProblem(`${what} is damaged: its zip structure cannot be read (${(e as Error).message}); open and save it again`);
  let zip: ZipFile;
  try {
    zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, validateEntrySizes: true }, (e, z) =>
        e ? reject(e) : resolve(z),
      ),
    );
  } catch (e) {
    throw damaged(e);
  }
  const names: string[] = [];
  const files = new Map<string, Uint8Array>();
  let declared = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: Entry) => {
        names.push(entry.fileName);
        if (!wanted(entry.fileName) || entry.fileName.endsWith('/')) return zip.readEntry();
        declared += entry.uncompressedSize;
        if (declared > MAX_UNPACKED_BYTES)
          return reject(
            new ZipProblem(`${what} would unpack to more than ${formatSize(MAX_UNPACKED_BYTES)} of text (a damaged or malicious file?); it was not unpacked`),
          );
        if (!inflate) return zip.readEntry();
        readEntry(zip, entry).then((data) => {
          files.set(entry.fileName, data);
          zip.readEntry();
        }, reject);
      });
      zip.readEntry();
    });
  } catch (e) {
    throw e instanceof ZipProblem ? e : damaged(e);
  } finally {
    zip.close();
  }
  return { names, files };
}

function readEntry(zip: ZipFile, entry: Entry): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (e, stream) => {
      if (e) return reject(e);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    }),
  );
}

/** An entry as UTF-8 text (the XML of these formats is UTF-8; a byte-order mark is dropped). */
export function entryText(contents: ZipContents, name: string): string | null {
  const bytes = contents.files.get(name);
  return bytes ? new TextDecoder('utf-8').decode(bytes) : null;
}
