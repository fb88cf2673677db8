/**
 * The model's own tokenizer, loaded offline from tokenizer.json (+ tokenizer_config.json) with
 * @huggingface/tokenizers: byte-level BPE (Llama 3, Qwen2) and SentencePiece-style BPE with byte
 * fallback (Llama 2, Mistral, TinyLlama).
 *
 * Special tokens follow Hugging Face: add_bos_token / add_eos_token in tokenizer_config.json win
 * (LlamaTokenizerFast rebuilds its post-processor from them); without them, whatever the
 * tokenizer.json post-processor template puts around a single sequence. We add them ourselves
 * around the library's plain encoding so that one rule holds for every tokenizer.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../../shared/errors.js';

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

type Json = Record<string, unknown>;

export interface EncodeOptions {
  /** Add BOS/EOS as the tokenizer's configuration says (default true). */
  addSpecial?: boolean;
}

export class ModelTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly bosId: number | null,
    readonly eosId: number | null,
    readonly addBos: boolean,
    readonly addEos: boolean,
    /** One more than the largest token id, added tokens included. */
    readonly vocabSize: number,
    /** SHA-256 over the tokenizer files: equal hashes mean equal tokenisation. */
    readonly hash: string,
  ) {}

  static async load(dir: string): Promise<ModelTokenizer> {
    const file = join(dir, TOKENIZER_FILE);
    const configFile = join(dir, TOKENIZER_CONFIG_FILE);
    const text = await readTokenizerFile(dir, file);
    const configText = await readFile(configFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw new UserError(`Cannot read ${configFile} (${e.code ?? e.message}).`);
    });
    const json = parseJsonObject(text, file);
    const config = configText === null ? {} : parseJsonObject(configText, configFile);

    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (e) {
      throw new UserError(
        `${file} cannot be loaded: ${(e as Error).message.split('\n')[0]}. Only Hugging Face BPE tokenizers (Llama, Mistral, Qwen2 style) are supported.`,
      );
    }
    const idOf = (key: string): number | null => {
      const token = tokenContent(config[key]);
      if (token === null) return null;
      const id = tokenizer.token_to_id(token);
      if (id === undefined) throw new UserError(`${configFile}: ${key} "${token}" is not in the vocabulary of ${file}.`);
      return id;
    };
    const bosId = idOf('bos_token');
    const eosId = idOf('eos_token');
    const template = templateSpecials(json.post_processor);
    const addBos = typeof config.add_bos_token === 'boolean' ? config.add_bos_token : template.first;
    const addEos = typeof config.add_eos_token === 'boolean' ? config.add_eos_token : template.last;
    if ((addBos && bosId === null) || (addEos && eosId === null)) {
      throw new UserError(
        `${configFile} asks for a ${addBos && bosId === null ? 'BOS' : 'EOS'} token but names none. Add "bos_token"/"eos_token" or turn off add_bos_token/add_eos_token.`,
      );
    }
    let maxId = -1;
    for (const id of tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);
    const hash = createHash('sha256')
      .update(`${TOKENIZER_FILE}\0${text}\0${TOKENIZER_CONFIG_FILE}\0${configText ?? ''}`)
      .digest('hex');
    return new ModelTokenizer(tokenizer, bosId, eosId, addBos, addEos, maxId + 1, hash);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = text.length === 0 ? [] : this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    // The library maps pieces it cannot place to unk; a vocabulary without unk yields undefined.
    if (ids.some((id) => id === undefined)) {
      throw new UserError(`The tokenizer cannot encode part of this text (no byte fallback and no unknown token): "${text.slice(0, 40)}".`);
    }
    if (options.addSpecial ?? true) {
      if (this.addBos) ids.unshift(this.bosId as number);
      if (this.addEos) ids.push(this.eosId as number);
    }
    return ids;
  }

  decode(ids: readonly number[], options: { skipSpecial?: boolean } = {}): string {
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecial ?? false });
  }

  tokenToId(token: string): number | null {
    return this.tokenizer.token_to_id(token) ?? null;
  }
}

async function readTokenizerFile(dir: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UserError(`Cannot read ${file} (${code ?? (e as Error).message}).`);
    const hasSentencePiece = await readFile(join(dir, 'tokenizer.model')).then(
      () => true,
      () => false,
    );
    throw new UserError(
      hasSentencePiece
        ? `${dir} has only tokenizer.model; a tokenizer.json is needed. Save the tokenizer with Hugging Face transformers (AutoTokenizer ... save_pretrained) to create it.`
        : `No ${TOKENIZER_FILE} in ${dir}. Copy the model's tokenizer.json (and tokenizer_config.json) into the folder.`,
    );
  }
}

function parseJsonObject(text: string, file: string): Json {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message.split('\n')[0]}). Re-download it.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UserError(`${file} must hold a JSON object.`);
  return json as Json;
}

/** tokenizer_config.json writes special tokens as strings or as {"content": ...} objects. */
function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as Json).content === 'string') return (v as Json).content as string;
  return null;
}

/** Does the post-processor's single-sequence template put a special token before / after the text? */
function templateSpecials(processor: unknown): { first: boolean; last: boolean } {
  const p = processor as Json | null | undefined;
  if (p?.type === 'Sequence' && Array.isArray(p.processors)) {
    return p.processors.map(templateSpecials).reduce((a, b) => ({ first: a.first || b.first, last: a.last || b.last }), { first: false, last: false });
  }
  if (p?.type !== 'TemplateProcessing' || !Array.isArray(p.single) || p.single.length === 0) return { first: false, last: false };
  const isSpecial = (piece: unknown) => typeof piece === 'object' && piece !== null && 'SpecialToken' in piece;
  return { first: isSpecial(p.single[0]), last: isSpecial(p.single[p.single.length - 1]) };
}
