/**
 * llama.cpp's tokenizer (src/llama-vocab.cpp) written again for the tests, driven only by what a
 * GGUF file holds (read with @huggingface/gguf): token texts, scores, types, merges, the
 * pre-tokenizer name and the add_* flags. It shares no code with the exporter, so a test that
 * tokenises with it and compares with Hugging Face checks the exported metadata end to end.
 *
 * Text is first cut around user-defined tokens (tokenizer_st_partition with parse_special off;
 * control and unknown tokens are left in the text). Then, per fragment:
 *
 * "llama" (llm_tokenizer_spm): a space is put in front when add_space_prefix is set and the
 *   fragment starts the text or follows a special token; every " " becomes "▁"; the text is split
 *   into characters; repeatedly, the adjacent pair whose concatenation is a token with the highest
 *   score is merged (the leftmost on equal scores); a final piece that is not a token is split
 *   back along its merges, and characters that are no token become their UTF-8 byte tokens <0xXX>.
 *
 * "gpt2" (llm_tokenizer_bpe): the fragment is split with the pre-tokenizer's regex (the forms
 *   llama-vocab.cpp uses, with (?i:...) spelled out), each word's UTF-8 bytes are mapped to GPT-2's
 *   printable characters; with the "llama-bpe" pre-tokenizer a word that is itself a token is taken
 *   whole (ignore_merges); otherwise adjacent pairs are merged by merge rank, lowest first (the
 *   leftmost on equal ranks); a piece that is no token falls back to single-byte tokens.
 *
 * llama.cpp keeps a priority queue and skips stale entries; taking the best current pair each
 * round, as here, merges in exactly the same order.
 */
import { value, type IndependentGguf } from './independent.js';

const USER_DEFINED = 4;

/** llama-vocab.cpp's regexes of the pre-tokenizers the export writes. */
const PRE_SPLIT: Record<string, RegExp> = {
  'llama-bpe':
    /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu,
  qwen2: /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu,
};
/** Pre-tokenizers for which llama.cpp sets ignore_merges. */
const WHOLE_WORDS = new Set(['llama-bpe']);

/** GPT-2's byte -> printable character table (bytes_to_unicode). */
function byteCharacters(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) table.push(String.fromCodePoint(keep(b) ? b : next++));
  return table;
}

type Fragment = { text: string } | { token: number };

export class LlamaCppTokenizer {
  private readonly idOf = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly partitionTokens: number[];
  private readonly byteChar = byteCharacters();

  private constructor(
    readonly model: 'llama' | 'gpt2',
    readonly pre: string,
    private readonly tokens: string[],
    private readonly scores: number[],
    types: number[],
    merges: string[],
    private readonly bos: number | null,
    private readonly eos: number | null,
    private readonly addBos: boolean,
    private readonly addEos: boolean,
    private readonly addSpacePrefix: boolean,
  ) {
    tokens.forEach((t, id) => this.idOf.set(t, id)); // later ids win, as token_to_id[word] = i does
    merges.forEach((m, rank) => {
      const cut = m.indexOf(' ', 1);
      const key = `${m.slice(0, cut)} ${m.slice(cut + 1)}`;
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
    this.partitionTokens = tokens
      .map((_, id) => id)
      .filter((id) => types[id] === USER_DEFINED)
      .sort((a, b) => Buffer.byteLength(tokens[b]) - Buffer.byteLength(tokens[a]));
  }

  static fromGguf(file: IndependentGguf): LlamaCppTokenizer {
    const model = value(file, 'tokenizer.ggml.model');
    if (model !== 'llama' && model !== 'gpt2') throw new Error(`tokenizer model ${String(model)} is not reimplemented here`);
    const pre = String(value(file, 'tokenizer.ggml.pre') ?? 'default');
    if (model === 'gpt2' && !PRE_SPLIT[pre]) throw new Error(`pre-tokenizer ${pre} is not reimplemented here`);
    const flag = (key: string, fallback: boolean) => (value(file, key) as boolean | undefined) ?? fallback;
    // llama.cpp's defaults per type, overridden by the file: SPM adds BOS and a space prefix; BPE "llama-bpe" adds BOS.
    const defaultBos = model === 'llama' || pre === 'llama-bpe';
    return new LlamaCppTokenizer(
      model,
      pre,
      value(file, 'tokenizer.ggml.tokens') as string[],
      (value(file, 'tokenizer.ggml.scores') as number[] | undefined) ?? [],
      value(file, 'tokenizer.ggml.token_type') as number[],
      (value(file, 'tokenizer.ggml.merges') as string[] | undefined) ?? [],
      (value(file, 'tokenizer.ggml.bos_token_id') as number | undefined) ?? null,
      (value(file, 'tokenizer.ggml.eos_token_id') as number | undefined) ?? null,
      flag('tokenizer.ggml.add_bos_token', defaultBos),
      flag('tokenizer.ggml.add_eos_token', false),
      model === 'llama' && flag('tokenizer.ggml.add_space_prefix', true),
    );
  }

  tokenize(text: string, addSpecial: boolean): number[] {
    const out: number[] = [];
    if (addSpecial && this.addBos && this.bos !== null) out.push(this.bos);
    let previousSpecial = true;
    for (const fragment of this.partition(text)) {
      if ('token' in fragment) {
        out.push(fragment.token);
        previousSpecial = true;
        continue;
      }
      if (this.model === 'llama') {
        const withPrefix = (this.addSpacePrefix && previousSpecial ? ' ' : '') + fragment.text;
        out.push(...this.spm(withPrefix.replaceAll(' ', '\u2581')));
      } else {
        out.push(...this.bpe(fragment.text));
      }
      previousSpecial = false;
    }
    if (addSpecial && this.addEos && this.eos !== null) out.push(this.eos);
    return out;
  }

  /** Cuts the text around user-defined tokens, longest first. */
  private partition(text: string): Fragment[] {
    let fragments: Fragment[] = text === '' ? [] : [{ text }];
    for (const id of this.partitionTokens) {
      const piece = this.tokens[id];
      fragments = fragments.flatMap((f): Fragment[] => {
        if (!('text' in f) || !f.text.includes(piece)) return [f];
        const parts = f.text.split(piece);
        return parts.flatMap((p, i): Fragment[] => [...(i > 0 ? [{ token: id }] : []), ...(p === '' ? [] : [{ text: p }])]);
      });
    }
    return fragments;
  }

  private spm(text: string): number[] {
    const symbols = Array.from(text);
    const merged = new Map<string, [string, string]>(); // rev_merge: piece -> the two pieces it was made of
    for (;;) {
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const id = this.idOf.get(symbols[i] + symbols[i + 1]);
        if (id === undefined) continue;
        if (best === -1 || this.scores[id] > bestScore) {
          best = i;
          bestScore = this.scores[id];
        }
      }
      if (best === -1) break;
      merged.set(symbols[best] + symbols[best + 1], [symbols[best], symbols[best + 1]]);
      symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
    }
    const resegment = (piece: string): number[] => {
      const id = this.idOf.get(piece);
      if (id !== undefined) return [id];
      const parts = merged.get(piece);
      if (parts) return [...resegment(parts[0]), ...resegment(parts[1])];
      return [...Buffer.from(piece, 'utf8')].map((b) => this.idOf.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)!);
    };
    return symbols.flatMap(resegment);
  }

  private bpe(text: string): number[] {
    const out: number[] = [];
    for (const match of text.matchAll(PRE_SPLIT[this.pre])) {
      const word = [...Buffer.from(match[0], 'utf8')].map((b) => this.byteChar[b]).join('');
      const whole = this.idOf.get(word);
      if (WHOLE_WORDS.has(this.pre) && whole !== undefined) {
        out.push(whole);
        continue;
      }
      const symbols = Array.from(word);
      for (;;) {
        let best = -1;
        let bestRank = Infinity;
        for (let i = 0; i + 1 < symbols.length; i++) {
          const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
          if (rank !== undefined && rank < bestRank) {
            best = i;
            bestRank = rank;
          }
        }
        if (best === -1) break;
        symbols.splice(best, 2, symbols[best] + symbols[best + 1]);
      }
      for (const s of symbols) {
        const id = this.idOf.get(s);
        if (id !== undefined) out.push(id);
        else {
          // One token per byte, looked up as a one-byte string: only ASCII bytes can match a token.
          for (const b of Buffer.from(s, 'utf8')) {
            const single = b < 0x80 ? this.idOf.get(String.fromCharCode(b)) : undefined;
            if (single !== undefined) out.push(single);
          }
        }
      }
    }
    return out;
  }
}
