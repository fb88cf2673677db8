/**
 * The token cache: a corpus tokenised once and kept on disk, keyed by the corpus content hash,
 * the tokenizer hash and the intake settings, so the next run with the same inputs only reads.
 *
 * <cacheRoot>/<key>/
 *   manifest.json     format, key, tokenizer facts, shard list, the intake summary
 *   documents.bin     per document, two uint32 LE: token count, flags (GENERAL_TEXT | EXACT_IDS)
 *   tokens-NNNNN.bin  uint32 LE token ids, documents back to back in corpus order
 *
 * The folder is built under a temporary name and renamed when complete (writeFolderAtomic):
 * a cancelled or failed build leaves no entry, and a reader never sees half of one.
 * Split and sequence length are not part of the key: they are views computed when reading.
 */
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { TEMP_PREFIX, writeFolderAtomic, writeJsonAtomic } from '../fs/atomic.js';
import { ShardWriter, type ShardInfo } from './shard-writer.js';
import { idsFromLittleEndian, littleEndianBytes } from './token-bytes.js';

export const CACHE_FORMAT = 'slayer-token-cache';
export const CACHE_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
const DOCUMENTS_FILE = 'documents.bin';
/** A temporary build folder this old belongs to a build that crashed (no build runs for a day). */
const STALE_TEMP_MS = 24 * 3600 * 1000;

/** Document flags in documents.bin. */
export const GENERAL_TEXT = 1;
export const EXACT_IDS = 2;

export interface TokenizerFacts {
  hash: string;
  bosId: number | null;
  eosId: number | null;
  addBos: boolean;
  vocabSize: number;
}

export interface CacheManifest<Summary> {
  format: typeof CACHE_FORMAT;
  version: number;
  key: string;
  tokenizer: TokenizerFacts;
  shards: ShardInfo[];
  documents: number;
  tokens: number;
  summary: Summary;
}

/** Hex SHA-256 of the canonical JSON of everything the cached tokens depend on (first 128 bits: a folder name). */
export function cacheKey(parts: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify({ format: CACHE_FORMAT, version: CACHE_VERSION, ...parts }))
    .digest('hex')
    .slice(0, 32);
}

export interface CacheBuilder {
  append(ids: Int32Array, flags: number): Promise<void>;
}

/**
 * Builds the entry for `key` under `root`: `fill` appends documents in corpus order and returns
 * the summary stored with them. On error or cancel nothing is left behind.
 */
export async function buildCacheEntry<Summary>(
  root: string,
  key: string,
  tokenizer: TokenizerFacts,
  fill: (builder: CacheBuilder) => Promise<Summary>,
  shardTokens?: number,
): Promise<CacheManifest<Summary>> {
  await sweepStaleBuilds(root);
  return writeFolderAtomic(join(root, key), async (tmp) => {
    const shards = new ShardWriter(tmp, shardTokens);
    const table: number[] = [];
    let summary: Summary;
    try {
      summary = await fill({
        append: async (ids, flags) => {
          await shards.append(ids);
          table.push(ids.length, flags);
        },
      });
    } catch (e) {
      await shards.abort();
      throw e;
    }
    const shardList = await shards.finish();
    const documents = Int32Array.from(table);
    const fh = await open(join(tmp, DOCUMENTS_FILE), 'w');
    try {
      await fh.writeFile(littleEndianBytes(documents));
      await fh.sync();
    } finally {
      await fh.close();
    }
    const manifest: CacheManifest<Summary> = {
      format: CACHE_FORMAT,
      version: CACHE_VERSION,
      key,
      tokenizer,
      shards: shardList,
      documents: table.length / 2,
      tokens: shardList.reduce((n, s) => n + s.tokens, 0),
      summary,
    };
    await writeJsonAtomic(join(tmp, MANIFEST_FILE), manifest);
    return manifest;
  });
}

/** Removes what crashed builds left behind; a cancelled or failed build removes its own folder. */
async function sweepStaleBuilds(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
    const path = join(root, name);
    const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > STALE_TEMP_MS) await rm(path, { recursive: true, force: true });
  }
}

/** A complete cache entry, opened for reading. */
export class TokenCache<Summary = unknown> {
  private constructor(
    readonly dir: string,
    readonly manifest: CacheManifest<Summary>,
    /** Token count of each document, in corpus order. */
    readonly lengths: Uint32Array,
    readonly flags: Uint32Array,
  ) {}

  /** The entry in `dir`, or null when there is none or it is incomplete or from another version (then it is rebuilt). */
  static async open<Summary>(dir: string): Promise<TokenCache<Summary> | null> {
    let manifest: CacheManifest<Summary>;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    } catch {
      return null;
    }
    if (manifest.format !== CACHE_FORMAT || manifest.version !== CACHE_VERSION || manifest.key !== basename(dir) || !Array.isArray(manifest.shards))
      return null;
    let table: Buffer;
    try {
      table = await readFile(join(dir, DOCUMENTS_FILE));
      for (const shard of manifest.shards) if ((await stat(join(dir, shard.file))).size !== shard.tokens * 4) return null;
    } catch {
      return null;
    }
    if (table.length !== manifest.documents * 8) return null;
    const pairs = idsFromLittleEndian(table);
    const lengths = new Uint32Array(manifest.documents);
    const flags = new Uint32Array(manifest.documents);
    for (let i = 0; i < manifest.documents; i++) {
      lengths[i] = pairs[2 * i];
      flags[i] = pairs[2 * i + 1];
    }
    return new TokenCache(dir, manifest, lengths, flags);
  }

  /** The documents `wanted` selects, in corpus order, read shard by shard in large sequential chunks. */
  async *read(wanted: (index: number) => boolean): AsyncGenerator<{ index: number; ids: Int32Array }> {
    let doc = 0;
    for (const shard of this.manifest.shards) {
      const file = join(this.dir, shard.file);
      const reader = await ChunkedReader.open(file);
      try {
        let offset = 0;
        for (let k = 0; k < shard.documents; k++, doc++) {
          const tokens = this.lengths[doc];
          if (wanted(doc)) yield { index: doc, ids: await reader.readIds(offset, tokens, file) };
          offset += tokens;
        }
      } finally {
        await reader.close();
      }
    }
  }
}

/** Forward-only reads of token ranges, served from 4 MiB chunks so 100k small documents cost few system calls. */
class ChunkedReader {
  private chunk = Buffer.alloc(0);
  private chunkStart = 0;

  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async open(file: string): Promise<ChunkedReader> {
    try {
      return new ChunkedReader(await open(file, 'r'));
    } catch (e) {
      throw new UserError(
        `The token cache file ${file} is missing (${(e as NodeJS.ErrnoException).code}). Delete the cache folder and run the corpus step again.`,
      );
    }
  }

  async readIds(tokenOffset: number, tokens: number, file: string): Promise<Int32Array> {
    const start = tokenOffset * 4;
    const length = tokens * 4;
    if (start < this.chunkStart || start + length > this.chunkStart + this.chunk.length) {
      const size = Math.max(length, 4 << 20);
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await this.handle.read(buffer, 0, size, start);
      if (bytesRead < length)
        throw new UserError(`The token cache file ${file} is shorter than its manifest says. Delete the cache folder and run the corpus step again.`);
      this.chunk = buffer.subarray(0, bytesRead);
      this.chunkStart = start;
    }
    const at = start - this.chunkStart;
    return idsFromLittleEndian(this.chunk.subarray(at, at + length));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
