/**
 * A deliberately plain BPE encoder, written from the algorithm's definition, used as an
 * independent reference for the tokenizer library: repeatedly merge the adjacent pair with the
 * lowest merge rank (leftmost first) until no listed pair remains.
 * - SentencePiece style (Llama 2, Mistral): "▁" prepended, spaces -> "▁", one BPE over the whole
 *   text, characters outside the vocabulary -> <0xXX> byte tokens.
 * - Byte-level (Llama 3): Llama 3's split regex, each piece's UTF-8 bytes mapped through GPT-2's
 *   printable table, a piece that is already a token is kept whole (ignore_merges).
 */

type Vocab = Record<string, number>;

export function mergeRanks(merges: (string | [string, string])[]): Map<string, number> {
  const ranks = new Map<string, number>();
  merges.forEach((m, i) => {
    const [a, b] = typeof m === 'string' ? (m.split(' ') as [string, string]) : m;
    const key = `${a}\u0000${b}`;
    if (!ranks.has(key)) ranks.set(key, i);
  });
  return ranks;
}

export function bpe(symbols: string[], ranks: Map<string, number>): string[] {
  let s = symbols;
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < s.length; i++) {
      const r = ranks.get(`${s[i]}\u0000${s[i + 1]}`);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return s;
    s = [...s.slice(0, best), s[best] + s[best + 1], ...s.slice(best + 2)];
  }
}

export function sentencePieceEncode(text: string, vocab: Vocab, ranks: Map<string, number>): number[] {
  if (text.length === 0) return [];
  const normalized = `▁${text.replaceAll(' ', '▁')}`;
  const ids: number[] = [];
  for (const piece of bpe(Array.from(normalized), ranks)) {
    if (Object.hasOwn(vocab, piece)) ids.push(vocab[piece]);
    else for (const byte of new TextEncoder().encode(piece)) ids.push(vocab[`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`]);
  }
  return ids;
}

/** GPT-2's table: printable Latin-1 bytes map to themselves, the other 68 to U+0100 upwards. */
function byteTable(): string[] {
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 0x100;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(keep(b) ? b : next++));
}

/** Llama 3's pattern; JavaScript lacks inline (?i:...), so the contractions spell out both cases. */
const LLAMA3_PATTERN =
  /'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export function byteLevelEncode(text: string, vocab: Vocab, ranks: Map<string, number>): number[] {
  const table = byteTable();
  const ids: number[] = [];
  for (const [piece] of text.matchAll(LLAMA3_PATTERN)) {
    const chars = Array.from(new TextEncoder().encode(piece), (b) => table[b]);
    const whole = chars.join('');
    const tokens = Object.hasOwn(vocab, whole) ? [whole] : bpe(chars, ranks);
    for (const t of tokens) ids.push(vocab[t]);
  }
  return ids;
}
