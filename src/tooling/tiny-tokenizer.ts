/**
 * Small but real BPE tokenizers for generated test models, in the two layouts real checkpoints
 * use, so that every tokenizer code path runs without a download:
 * - "sentencepiece": Llama 2 / Mistral style. Spaces become "▁", a "▁" is prepended, merges
 *   never cross words, and characters outside the vocabulary fall back to <0xXX> byte tokens.
 * - "byte-level": Llama 3 / Qwen2 style. Text is split with Llama 3's regex, each piece's UTF-8
 *   bytes are mapped to printable characters (GPT-2's table) and merged.
 * Merges are learned by plain BPE training (most frequent adjacent pair first, ties broken
 * alphabetically so the result is deterministic) on a short built-in text.
 */

export type TokenizerStyle = 'sentencepiece' | 'byte-level';

export interface TokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  bosId: number | null;
  eosId: number;
  /** Number of token ids the tokenizer uses (<= the requested limit). */
  size: number;
}

/** Llama 3's pre-tokenizer split pattern (as it appears in its tokenizer.json). */
const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** A simpler split for training only (JavaScript has no inline (?i:) groups); any split gives valid merges. */
const TRAINING_SPLIT = / ?\p{L}+| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+/gu;

const SPACE_MARK = '▁';

const DEFAULT_TRAINING_TEXT = [
  'The quick brown fox jumps over the lazy dog. A model reads the text one token at a time,',
  'and the tokenizer decides where one token ends and the next one begins. Layers near the input',
  'learn the shape of words; layers near the output learn what comes next. In the beginning there',
  'were only bytes, and then there were merges: th, he, in, er, an, re, on, at, en, nd, ti, es, or.',
  'def train(model, data, steps=100):\n    for step in range(steps):\n        loss = model(data)\n        loss.backward()\n    return model\n',
  'const total = values.reduce((sum, value) => sum + value, 0); // 0, 1, 2, 3, 42, 2024, 3.14159',
  'Knowledge injection adds new blocks to the shallow layers and prunes a few deep ones.',
  'Ein kleiner Text auf Deutsch, un peu de français, un poco de español: café, naïve, über.',
].join('\n');

/** GPT-2's byte -> printable character table, used by every byte-level BPE. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    // Printable bytes map to themselves; the rest to code points from 256 upwards, in byte order.
    table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  }
  return table;
}

/** Learns up to `maxMerges` merges over words given as symbol sequences with counts. */
function learnMerges(words: Map<string, number>, split: (word: string) => string[], maxMerges: number): [string, string][] {
  const seqs = [...words].map(([word, count]) => ({ symbols: split(word), count }));
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    const pairCounts = new Map<string, number>();
    for (const { symbols, count } of seqs) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairCounts.set(key, (pairCounts.get(key) ?? 0) + count);
      }
    }
    let best: string | null = null;
    let bestCount = 1; // a pair seen once teaches nothing
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && best !== null && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (best === null) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    for (const seq of seqs) {
      const out: string[] = [];
      for (let i = 0; i < seq.symbols.length; i++) {
        if (i + 1 < seq.symbols.length && seq.symbols[i] === a && seq.symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(seq.symbols[i]);
      }
      seq.symbols = out;
    }
  }
  return merges;
}

function countWords(pieces: Iterable<string>): Map<string, number> {
  const words = new Map<string, number>();
  for (const p of pieces) words.set(p, (words.get(p) ?? 0) + 1);
  return words;
}

/** Builds tokenizer.json / tokenizer_config.json contents using at most `limit` token ids. */
export function buildTinyTokenizer(style: TokenizerStyle, limit: number, text = DEFAULT_TRAINING_TEXT): TokenizerFiles {
  return style === 'sentencepiece' ? sentencePieceStyle(limit, text) : byteLevelStyle(limit, text);
}

function sentencePieceStyle(limit: number, text: string): TokenizerFiles {
  const ids = new Map<string, number>();
  const add = (token: string) => {
    if (!ids.has(token)) ids.set(token, ids.size);
  };
  ['<unk>', '<s>', '</s>'].forEach(add);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const marked = (SPACE_MARK + text).replaceAll(' ', SPACE_MARK);
  const alphabet = [...new Set(Array.from(marked))].filter((c) => c !== '\n').sort();
  const minimum = ids.size + alphabet.length;
  if (limit < minimum) throw new Error(`A SentencePiece-style test tokenizer needs a vocabulary of at least ${minimum} tokens, got ${limit}.`);
  alphabet.forEach(add);
  // Words are "▁word" pieces; newlines stay byte tokens, as in Llama 2.
  const words = countWords(
    marked
      .split('\n')
      .flatMap((line) => line.split(new RegExp(`(?=${SPACE_MARK})`, 'u')))
      .filter((w) => w.length > 0),
  );
  // Two merges may build the same string along different paths; the token exists once.
  const merges = learnMerges(words, (w) => Array.from(w), limit - minimum);
  merges.forEach(([a, b]) => add(a + b));
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
      normalizer: {
        type: 'Sequence',
        normalizers: [
          { type: 'Prepend', prepend: SPACE_MARK },
          { type: 'Replace', pattern: { String: ' ' }, content: SPACE_MARK },
        ],
      },
      pre_tokenizer: null,
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [
          { SpecialToken: { id: '<s>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { SpecialToken: { id: '<s>', type_id: 1 } },
          { Sequence: { id: 'B', type_id: 1 } },
        ],
        special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
      },
      decoder: {
        type: 'Sequence',
        decoders: [
          { type: 'Replace', pattern: { String: SPACE_MARK }, content: ' ' },
          { type: 'ByteFallback' },
          { type: 'Fuse' },
          { type: 'Strip', content: ' ', start: 1, stop: 0 },
        ],
      },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: true,
        byte_fallback: true,
        vocab: Object.fromEntries(ids),
        merges: merges.map(([a, b]) => `${a} ${b}`),
      },
    },
    tokenizerConfig: {
      add_bos_token: true,
      add_eos_token: false,
      bos_token: '<s>',
      eos_token: '</s>',
      unk_token: '<unk>',
      clean_up_tokenization_spaces: false,
      legacy: true,
      tokenizer_class: 'LlamaTokenizer',
    },
    bosId: 1,
    eosId: 2,
    size: ids.size,
  };
}

function byteLevelStyle(limit: number, text: string): TokenizerFiles {
  const table = bytesToUnicode();
  const specials = ['<|begin_of_text|>', '<|end_of_text|>'];
  const minimum = 256 + specials.length;
  if (limit < minimum) throw new Error(`A byte-level test tokenizer needs a vocabulary of at least ${minimum} tokens, got ${limit}.`);
  const ids = new Map(table.map((c, b) => [c, b]));
  const encoder = new TextEncoder();
  const toByteChars = (piece: string) => Array.from(encoder.encode(piece), (b) => table[b]).join('');
  const words = countWords(Array.from(text.matchAll(TRAINING_SPLIT), (m) => toByteChars(m[0])));
  const merges = learnMerges(words, (w) => Array.from(w), limit - minimum);
  for (const [a, b] of merges) if (!ids.has(a + b)) ids.set(a + b, ids.size);
  const bpeSize = ids.size;
  const added = specials.map((content, i) => ({
    id: bpeSize + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const [bos, eos] = specials;
  return {
    tokenizerJson: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: added,
      normalizer: null,
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: LLAMA3_SPLIT }, behavior: 'Isolated', invert: false },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      },
      post_processor: {
        type: 'Sequence',
        processors: [
          { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
          {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [
              { SpecialToken: { id: bos, type_id: 0 } },
              { Sequence: { id: 'A', type_id: 0 } },
              { SpecialToken: { id: bos, type_id: 1 } },
              { Sequence: { id: 'B', type_id: 1 } },
            ],
            special_tokens: { [bos]: { id: bos, ids: [bpeSize], tokens: [bos] } },
          },
        ],
      },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: true,
        vocab: Object.fromEntries(ids),
        merges,
      },
    },
    tokenizerConfig: {
      bos_token: bos,
      eos_token: eos,
      clean_up_tokenization_spaces: false,
      tokenizer_class: 'PreTrainedTokenizerFast',
    },
    bosId: bpeSize,
    eosId: bpeSize + 1,
    size: bpeSize + specials.length,
  };
}
