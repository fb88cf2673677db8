/**
 * The zip container of .docx, .odt and .epub files, through fflate. Only the entries a reader
 * asks for are inflated, and only while their sizes (as the zip's directory declares them) stay
 * within a limit, so a small file that would unpack to gigabytes (a "zip bomb") is refused
 * before anything is inflated.
 */
import { unzipSync } from 'fflate';
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
 * Unpacks the entries `wanted` picks (or, with `inflate` false, only checks their sizes); throws
 * ZipProblem with a plain reason for a damaged or oversized archive.
 */
export function unzipEntries(bytes: Uint8Array, wanted: (name: string) => boolean, what: string, inflate = true): ZipContents {
  const names: string[] = [];
  let unpacked = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (entry) => {
        names.push(entry.name);
        if (!wanted(entry.name)) return false;
        unpacked += entry.originalSize;
        if (unpacked > MAX_UNPACKED_BYTES)
          throw new ZipProblem(
            `${what} would unpack to more than ${formatSize(MAX_UNPACKED_BYTES)} of text (a damaged or malicious file?); it was not unpacked`,
          );
        return inflate;
      },
    });
  } catch (e) {
    if (e instanceof ZipProblem) throw e;
    throw new ZipProblem(`${what} is damaged: its zip structure cannot be read (${(e as Error).message}); open and save it again`);
  }
  return { names, files: new Map(Object.entries(files)) };
}

/** An entry as UTF-8 text (the XML of these formats is UTF-8; a byte-order mark is dropped). */
export function entryText(contents: ZipContents, name: string): string | null {
  const bytes = contents.files.get(name);
  return bytes ? new TextDecoder('utf-8').decode(bytes) : null;
}
