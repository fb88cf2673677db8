/**
 * Chat templates carried into GGUF from every place Hugging Face keeps them, read back with
 * @huggingface/gguf: chat_template.jinja (the newer layout, with additional_chat_templates/),
 * tokenizer_config.json (a string or a list of named templates), chat_template.json; the .jinja
 * file wins over a differing inline template, as in transformers, with a warning. The HF export
 * keeps the template files as they are.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../../../src/main/export/index.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { isUserError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/tmp.js';
import { GGUF_VALUE_TYPE, readGguf, value, valueType } from './independent.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('slayer-chat-template-'));
});
afterAll(async () => cleanup());

const SMALL = { layers: 1, hiddenSize: 16, intermediateSize: 32, heads: 2, vocabSize: 400, seed: 2 };
const CHATML = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}";
const TOOL_USE = '{%- if tools %}{{ tools | tojson }}{% endif %}{{ messages[-1].content }}';
const OLD = '{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}';

/** A model folder with the given extra files, and tokenizer_config.json entries merged in. */
async function model(name: string, files: Record<string, string>, configExtra: Record<string, unknown> = {}): Promise<string> {
  const dir = join(root, name);
  await generateTestModel(dir, SMALL);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const configFile = join(dir, 'tokenizer_config.json');
  await writeFile(configFile, JSON.stringify({ ...JSON.parse(await readFile(configFile, 'utf8')), ...configExtra }));
  return dir;
}

async function exportGguf(dir: string) {
  const out = `${dir}.gguf`;
  const result = await exportModel(dir, { format: 'gguf', out });
  return { result, file: await readGguf(out) };
}

describe('chat templates in GGUF', () => {
  it('carries chat_template.jinja, the newer Hugging Face layout', async () => {
    const { result, file } = await exportGguf(await model('jinja', { 'chat_template.jinja': CHATML }));
    expect(value(file, 'tokenizer.chat_template')).toBe(CHATML);
    expect(valueType(file, 'tokenizer.chat_template')).toEqual({ type: GGUF_VALUE_TYPE.STRING });
    expect(result.gguf?.chatTemplates).toEqual({ source: 'chat_template.jinja', hasDefault: true, names: [] });
    expect(result.warnings).toEqual([]);
  });

  it('carries named templates from additional_chat_templates/ beside it', async () => {
    const { result, file } = await exportGguf(
      await model('additional', {
        'chat_template.jinja': CHATML,
        'additional_chat_templates/tool-use.jinja': TOOL_USE,
        'additional_chat_templates/notes.txt': 'x',
      }),
    );
    expect(value(file, 'tokenizer.chat_template')).toBe(CHATML);
    expect(value(file, 'tokenizer.chat_template.tool_use')).toBe(TOOL_USE); // gguf-py turns "-" into "_"
    expect(value(file, 'tokenizer.chat_templates')).toEqual(['tool_use']);
    expect(result.gguf?.chatTemplates?.names).toEqual(['tool_use']);
  });

  it('carries the inline template of tokenizer_config.json, the older layout', async () => {
    const { result, file } = await exportGguf(await model('inline', {}, { chat_template: OLD }));
    expect(value(file, 'tokenizer.chat_template')).toBe(OLD);
    expect(result.gguf?.chatTemplates?.source).toBe('tokenizer_config.json');
  });

  it('carries a list of named inline templates, "default" as the main one', async () => {
    const { file } = await exportGguf(
      await model(
        'named',
        {},
        {
          chat_template: [
            { name: 'default', template: CHATML },
            { name: 'tool_use', template: TOOL_USE },
            { name: 'rag', template: OLD },
          ],
        },
      ),
    );
    expect(value(file, 'tokenizer.chat_template')).toBe(CHATML);
    expect(value(file, 'tokenizer.chat_template.tool_use')).toBe(TOOL_USE);
    expect(value(file, 'tokenizer.chat_template.rag')).toBe(OLD);
    expect(value(file, 'tokenizer.chat_templates')).toEqual(['rag', 'tool_use']);
  });

  it('prefers chat_template.jinja over a differing inline template, as transformers does, and says so', async () => {
    const { result, file } = await exportGguf(await model('both', { 'chat_template.jinja': CHATML }, { chat_template: OLD }));
    expect(value(file, 'tokenizer.chat_template')).toBe(CHATML);
    expect(result.warnings).toEqual([
      'tokenizer_config.json and chat_template.jinja hold different chat templates; chat_template.jinja is used, as transformers uses it.',
    ]);
  });

  it('falls back to chat_template.json (processor layout)', async () => {
    const { file, result } = await exportGguf(await model('json', { 'chat_template.json': JSON.stringify({ chat_template: CHATML }) }));
    expect(value(file, 'tokenizer.chat_template')).toBe(CHATML);
    expect(result.gguf?.chatTemplates?.source).toBe('chat_template.json');
  });

  it('writes no template key when the folder has none, and ignores a malformed inline one with a warning', async () => {
    const none = await exportGguf(await model('none', {}));
    expect(Object.keys(none.file.metadata).filter((k) => k.startsWith('tokenizer.chat_template'))).toEqual([]);
    expect(none.result.gguf?.chatTemplates).toBeNull();
    const bad = await exportGguf(await model('bad', {}, { chat_template: 42 }));
    expect(Object.keys(bad.file.metadata).filter((k) => k.startsWith('tokenizer.chat_template'))).toEqual([]);
    expect(bad.result.warnings).toEqual(['The chat template in tokenizer_config.json is neither text nor a list of named templates; it was left out.']);
  });

  it('refuses a damaged chat_template.json in one line', async () => {
    const error = await exportModel(await model('damaged', { 'chat_template.json': '{not json' }), { format: 'gguf', out: join(root, 'damaged.gguf') }).catch(
      (e: unknown) => e,
    );
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(/chat_template\.json is not a JSON object\. Re-download it or delete it\.$/);
  });
});

describe('chat templates in the Hugging Face export', () => {
  it('keeps chat_template.jinja and additional_chat_templates/ byte for byte', async () => {
    const dir = await model('hf', { 'chat_template.jinja': CHATML, 'additional_chat_templates/tool_use.jinja': TOOL_USE });
    const out = join(root, 'hf-out');
    await exportModel(dir, { format: 'hf', out });
    expect(await readFile(join(out, 'chat_template.jinja'), 'utf8')).toBe(CHATML);
    expect(await readFile(join(out, 'additional_chat_templates', 'tool_use.jinja'), 'utf8')).toBe(TOOL_USE);
  });
});
