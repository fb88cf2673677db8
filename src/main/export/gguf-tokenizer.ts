/**
 * The model's tokenizer.json as GGUF tokenizer metadata (tokenizer.ggml.*), so that llama.cpp
 * tokenises like Hugging Face. Two kinds, told apart as gguf-py's LlamaHfVocab does:
 *
 *   "llama"  BPE with byte fallback (Llama 2, Mistral, TinyLlama: SentencePiece-style). llama.cpp
 *            merges adjacent symbols by token score, highest first, so each token made by merge
 *            number r (0-based, in tokenizer.json order) scores -(r+1) and every other token 0:
 *            the earlier merge wins, as in Hugging Face's BPE. Byte tokens <0xXX> are BYTE type.
 *   "gpt2"   byte-level BPE (Llama 3, Qwen2): tokens as stored (byte-level characters) plus the
 *            merge list; tokenizer.ggml.pre names llama.cpp's pre-tokenizer split, recognised
 *            from the Split regex (Llama 3 -> "llama-bpe", Qwen2 -> "qwen2").
 *
 * The token list is padded to the embedding's row count with unused "[PADn]" tokens, as
 * convert_hf_to_gguf.py does, because llama.cpp sizes the vocabulary from the list.
 * Token types follow llama.cpp's enum: NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6.
 * Chat templates come from chat-template.ts. Where llama.cpp will tokenise differently from
 * Hugging Face (no NFC normalisation, whole-word lookup by pre-tokenizer), the export says so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import { ModelTokenizer, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../model/tokenizer.js';
import { chatTemplateMetadata, readChatTemplates, summariseChatTemplates, type ChatTemplateSummary } from './chat-template.js';
import { array, scalar, type GgufValue } from './gguf-format.js';
import type { GgufTokenizerModel } from '../../shared/export.js';

export type { GgufTokenizerModel } from '../../shared/export.js';

const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** llama.cpp pre-tokenizer names of known byte-level split patterns (llama-vocab.cpp). */
const PRE_TOKENIZERS: Record<string, string> = {
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'llama-bpe',
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'qwen2',
};

/** Pre-tokenizers for which llama.cpp looks a whole word up in the vocabulary before merging (its ignore_merges). */
const WHOLE_WORD_PRE = new Set(['llama-bpe']);

type Json = Record<string, unknown>;

export interface GgufTokenizer {
  model: GgufTokenizerModel;
  entries: [string, GgufValue][];
  /** Where the chat templates came from, or null when the folder has none. */
  chatTemplates: ChatTemplateSummary | null;
  /** Things llama.cpp will do differently from Hugging Face, in words. */
  warnings: string[];
}

export async function tokenizerMetadata(dir: string, m: ModelDescription): Promise<GgufTokenizer> {
  const file = join(dir, TOKENIZER_FILE);
  const tokenizer = await ModelTokenizer.load(dir); // validates the files and resolves BOS/EOS
  const json = JSON.parse(await readFile(file, 'utf8')) as Json;
  const config = await readOptionalJson(join(dir, TOKENIZER_CONFIG_FILE));
  const bpe = json.model as Json | undefined;
  if (bpe?.type !== 'BPE')
    throw new UserError(`${file} holds a ${String(bpe?.type ?? 'unknown')} tokenizer; GGUF export supports BPE tokenizers only (Llama, Mistral, Qwen2).`);
  const kind: GgufTokenizerModel = bpe.byte_fallback === true ? 'llama' : 'gpt2';
  const steps = [...flatten(json.pre_tokenizer, 'pretokenizers'), ...flatten(json.decoder, 'decoders')];
  if (kind === 'gpt2' && !steps.some((s) => s.type === 'ByteLevel')) {
    throw new UserError(`${file} is neither byte-level BPE nor BPE with byte fallback; llama.cpp cannot reproduce it. Export with --format hf instead.`);
  }

  const { tokens, special } = vocabulary(json, bpe, m.vocabSize, file);
  const merges = parseMerges(bpe.merges, file);
  const unkIndex = typeof bpe.unk_token === 'string' ? tokens.indexOf(bpe.unk_token) : -1;
  const unkId = unkIndex === -1 ? null : unkIndex;
  const types = tokens.map((t, id) => {
    if (t === null) return TOKEN_TYPE.unused;
    if (id === unkId) return TOKEN_TYPE.unknown;
    if (special.has(id)) return special.get(id) ? TOKEN_TYPE.control : TOKEN_TYPE.userDefined;
    return kind === 'llama' && /^<0x[0-9A-Fa-f]{2}>$/.test(t) ? TOKEN_TYPE.byte : TOKEN_TYPE.normal;
  });
  const texts = tokens.map((t, id) => t ?? `[PAD${id}]`);

  const warnings: string[] = [];
  const entries: [string, GgufValue][] = [['tokenizer.ggml.model', scalar('string', kind)]];
  if (kind === 'llama') {
    entries.push(['tokenizer.ggml.pre', scalar('string', 'default')]);
    entries.push(['tokenizer.ggml.tokens', array('string', texts)]);
    entries.push(['tokenizer.ggml.scores', array('f32', mergeScores(texts, merges))]);
    entries.push(['tokenizer.ggml.token_type', array('i32', types)]);
    entries.push(['tokenizer.ggml.add_space_prefix', scalar('bool', addsSpacePrefix(json))]);
  } else {
    const split = steps.find((s) => s.type === 'Split');
    const pattern = (split?.pattern as Json | undefined)?.Regex;
    const pre = split ? PRE_TOKENIZERS[String(pattern)] : 'gpt-2';
    if (!pre)
      warnings.push(
        `llama.cpp has no pre-tokenizer for this tokenizer's split pattern; it will split text with its default rule, so some texts tokenise differently than in Hugging Face.`,
      );
    if (pre && WHOLE_WORD_PRE.has(pre) !== (bpe.ignore_merges === true)) {
      warnings.push(
        `llama.cpp's "${pre}" pre-tokenizer ${WHOLE_WORD_PRE.has(pre) ? 'looks whole words up before merging' : 'always merges'}, this tokenizer ${bpe.ignore_merges === true ? 'does not' : 'does'}; a few rare words may tokenise differently than in Hugging Face.`,
      );
    }
    entries.push(['tokenizer.ggml.pre', scalar('string', pre ?? 'default')]);
    entries.push(['tokenizer.ggml.tokens', array('string', texts)]);
    entries.push(['tokenizer.ggml.token_type', array('i32', types)]);
    entries.push([
      'tokenizer.ggml.merges',
      array(
        'string',
        merges.map(([a, b]) => `${ggufMergePart(a)} ${ggufMergePart(b)}`),
      ),
    ]);
  }

  const firstEos = Array.isArray(m.eosTokenId) ? m.eosTokenId[0] : m.eosTokenId;
  const bos = tokenizer.bosId ?? m.bosTokenId;
  const eos = tokenizer.eosId ?? firstEos ?? null;
  if (bos !== null) entries.push(['tokenizer.ggml.bos_token_id', scalar('u32', bos)]);
  if (eos !== null) entries.push(['tokenizer.ggml.eos_token_id', scalar('u32', eos)]);
  if (unkId !== null) entries.push(['tokenizer.ggml.unknown_token_id', scalar('u32', unkId)]);
  entries.push(['tokenizer.ggml.add_bos_token', scalar('bool', tokenizer.addBos)]);
  entries.push(['tokenizer.ggml.add_eos_token', scalar('bool', tokenizer.addEos)]);
  if (flatten(json.normalizer, 'normalizers').some((n) => n.type === 'NFC')) {
    warnings.push('This tokenizer normalises text to Unicode NFC and llama.cpp does not: text with decomposed accents tokenises differently in llama.cpp.');
  }
  const chat = await readChatTemplates(dir, config);
  if (chat.templates) entries.push(...chatTemplateMetadata(chat.templates));
  warnings.push(...chat.warnings);
  return { model: kind, entries, chatTemplates: summariseChatTemplates(chat.templates), warnings };
}

/** Token text by id (null where no token has that id) and the added tokens' "special" flags. */
function vocabulary(json: Json, bpe: Json, size: number, file: string): { tokens: (string | null)[]; special: Map<number, boolean> } {
  const tokens: (string | null)[] = new Array(size).fill(null);
  const place = (text: string, id: unknown) => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new UserError(`${file}: token "${text}" has an invalid id ${JSON.stringify(id)}.`);
    if (id >= size)
      throw new UserError(
        `${file} uses token id ${id}, but the model's embedding has only ${size} rows (vocab_size in config.json). The tokenizer does not belong to this model.`,
      );
    tokens[id] = text;
  };
  for (const [text, id] of Object.entries((bpe.vocab ?? {}) as Record<string, unknown>)) place(text, id);
  const special = new Map<number, boolean>();
  for (const t of Array.isArray(json.added_tokens) ? (json.added_tokens as Json[]) : []) {
    place(String(t.content), t.id);
    special.set(t.id as number, t.special === true);
  }
  return { tokens, special };
}

/** tokenizer.json writes merges as "a b" strings (older files) or ["a", "b"] pairs (transformers 4.45 and later, so that a part may hold a space). */
function parseMerges(raw: unknown, file: string): [string, string][] {
  if (!Array.isArray(raw)) return [];
  return raw.map((m) => {
    if (Array.isArray(m) && m.length === 2) return [String(m[0]), String(m[1])];
    const parts = typeof m === 'string' ? m.split(' ') : [];
    if (parts.length !== 2) throw new UserError(`${file}: merge ${JSON.stringify(m)} is not a pair of tokens.`);
    return parts as [string, string];
  });
}

/** GGUF stores merges as "a b" strings; a space inside a part is written as U+0120, as gguf-py does. */
function ggufMergePart(part: string): string {
  return part.replaceAll(' ', '\u0120');
}

function mergeScores(texts: string[], merges: [string, string][]): number[] {
  const rank = new Map<string, number>();
  merges.forEach(([a, b], r) => {
    if (!rank.has(a + b)) rank.set(a + b, r);
  });
  return texts.map((t) => (rank.has(t) ? -((rank.get(t) as number) + 1) : 0));
}

/** SentencePiece-style tokenizers put "▁" before the text: a Prepend normalizer or a Metaspace step. */
function addsSpacePrefix(json: Json): boolean {
  const steps = [...flatten(json.normalizer, 'normalizers'), ...flatten(json.pre_tokenizer, 'pretokenizers')];
  return steps.some(
    (s) =>
      (s.type === 'Prepend' && s.prepend === '\u2581') ||
      (s.type === 'Metaspace' && (s.prepend_scheme === 'always' || s.prepend_scheme === 'first' || s.add_prefix_space === true)),
  );
}

/** A step and, for a Sequence, its parts (tokenizer.json nests them under `key`). */
function flatten(step: unknown, key: string): Json[] {
  if (typeof step !== 'object' || step === null) return [];
  const s = step as Json;
  return s.type === 'Sequence' && Array.isArray(s[key]) ? (s[key] as unknown[]).flatMap((p) => flatten(p, key)) : [s];
}

async function readOptionalJson(file: string): Promise<Json> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? {} : (JSON.parse(text) as Json); // ModelTokenizer.load has already validated it
}
