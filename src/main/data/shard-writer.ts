/**
 * Token shards on disk: uint32 little-endian token ids, documents back to back, a new shard file
 * once a shard holds shardTokens tokens (documents never straddle two shards). Writes go through
 * a buffer into files inside a folder that the caller renames into place when complete.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { littleEndianBytes } from './token-bytes.js';

export interface ShardInfo {
  file: string;
  tokens: number;
  documents: number;
}

/** 2^26 tokens = 256 MiB per shard: large enough for few files, small enough to copy or check. */
export const DEFAULT_SHARD_TOKENS = 2 ** 26;
const BUFFER_TOKENS = 1 << 20;

export function shardFileName(index: number): string {
  return `tokens-${String(index).padStart(5, '0')}.bin`;
}

export class ShardWriter {
  readonly shards: ShardInfo[] = [];
  private handle: FileHandle | null = null;
  private buffer = new Int32Array(BUFFER_TOKENS);
  private buffered = 0;

  constructor(
    private readonly dir: string,
    private readonly shardTokens = DEFAULT_SHARD_TOKENS,
  ) {}

  async append(ids: Int32Array): Promise<void> {
    let shard = this.shards[this.shards.length - 1];
    if (!shard || shard.tokens >= this.shardTokens) {
      await this.closeShard();
      shard = { file: shardFileName(this.shards.length), tokens: 0, documents: 0 };
      this.shards.push(shard);
      this.handle = await open(join(this.dir, shard.file), 'w');
    }
    if (this.buffered + ids.length > this.buffer.length) await this.flush();
    if (ids.length > this.buffer.length) await writeAll(this.handle!, littleEndianBytes(ids));
    else {
      this.buffer.set(ids, this.buffered);
      this.buffered += ids.length;
    }
    shard.tokens += ids.length;
    shard.documents++;
  }

  /** Flushes and syncs the last shard; the caller then writes the manifest and renames the folder. */
  async finish(): Promise<ShardInfo[]> {
    await this.closeShard();
    return this.shards;
  }

  /** Closes the open file after an error; the caller removes the folder. */
  async abort(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = null;
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await writeAll(this.handle!, littleEndianBytes(this.buffer.subarray(0, this.buffered)));
    this.buffered = 0;
  }

  private async closeShard(): Promise<void> {
    if (!this.handle) return;
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    this.handle = null;
  }
}

/** FileHandle.write may write less than asked (a signal, a full pipe); loop until all is out. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}
