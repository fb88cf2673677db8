/**
 * The model's chat templates, read where Hugging Face keeps them:
 *
 *   chat_template.jinja                 the newer layout (transformers 4.47 and later write the
 *   additional_chat_templates/NAME.jinja default template here and leave it out of
 *                                       tokenizer_config.json; named extra templates beside it)
 *   tokenizer_config.json "chat_template" the older layout: a string, or a list of
 *                                       {"name": ..., "template": ...} with one named "default"
 *   chat_template.json {"chat_template"} the processor layout of some multimodal checkpoints
 *
 * When a folder has both a chat_template.jinja and an inline template, transformers uses the
 * .jinja file, and so do we; a differing inline template is reported as a warning. Named
 * templates keep letters and digits and turn the rest into "_" (the names GGUF files use).
 * Instruction tuning renders conversations with the default template (src/main/data); the GGUF
 * export carries them all (src/main/export/chat-template.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { TOKENIZER_CONFIG_FILE } from './tokenizer.js';

export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';
export const ADDITIONAL_CHAT_TEMPLATES_DIR = 'additional_chat_templates';
const CHAT_TEMPLATE_JSON = 'chat_template.json';

export interface ChatTemplates {
  /** The file the templates came from. */
  source: string;
  /** The default template, used when no name is asked for; null when only named ones exist. */
  default: string | null;
  /** Named templates (e.g. tool_use, rag), GGUF-safe names, sorted by name. */
  named: [string, string][];
}

export async function readChatTemplates(
  dir: string,
  tokenizerConfig: Record<string, unknown>,
): Promise<{ templates: ChatTemplates | null; warnings: string[] }> {
  const warnings: string[] = [];
  const inline = inlineTemplates(tokenizerConfig.chat_template, TOKENIZER_CONFIG_FILE, warnings);
  const jinja = await readText(join(dir, CHAT_TEMPLATE_FILE));
  if (jinja !== null && jinja !== '') {
    const named = await additionalTemplates(join(dir, ADDITIONAL_CHAT_TEMPLATES_DIR));
    if (inline && inline.default !== null && inline.default !== jinja) {
      warnings.push(
        `${TOKENIZER_CONFIG_FILE} and ${CHAT_TEMPLATE_FILE} hold different chat templates; ${CHAT_TEMPLATE_FILE} is used, as transformers uses it.`,
      );
    }
    return { templates: { source: CHAT_TEMPLATE_FILE, default: jinja, named }, warnings };
  }
  if (inline) return { templates: { source: TOKENIZER_CONFIG_FILE, ...inline }, warnings };
  const json = await readText(join(dir, CHAT_TEMPLATE_JSON));
  if (json !== null) {
    const template = parseJson(json, join(dir, CHAT_TEMPLATE_JSON)).chat_template;
    const fromJson = inlineTemplates(template, CHAT_TEMPLATE_JSON, warnings);
    if (fromJson) return { templates: { source: CHAT_TEMPLATE_JSON, ...fromJson }, warnings };
  }
  return { templates: null, warnings };
}

/** gguf-py keeps letters and digits of a template name and turns the rest into "_". */
export function ggufTemplateName(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

/** A string, or a list of {name, template} (one of them "default"); anything else is ignored with a warning. */
function inlineTemplates(value: unknown, file: string, warnings: string[]): Omit<ChatTemplates, 'source'> | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value === '' ? null : { default: value, named: [] };
  if (Array.isArray(value)) {
    let main: string | null = null;
    const named = new Map<string, string>();
    for (const entry of value) {
      const { name, template } = (entry ?? {}) as { name?: unknown; template?: unknown };
      if (typeof name !== 'string' || name === '' || typeof template !== 'string') continue;
      if (name === 'default') main = template;
      else named.set(ggufTemplateName(name), template);
    }
    return main === null && named.size === 0 ? null : { default: main, named: [...named].sort(([a], [b]) => a.localeCompare(b)) };
  }
  warnings.push(`The chat template in ${file} is neither text nor a list of named templates; it was left out.`);
  return null;
}

async function additionalTemplates(folder: string): Promise<[string, string][]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const named: [string, string][] = [];
  for (const file of names.filter((n) => n.endsWith('.jinja')).sort()) {
    const text = await readText(join(folder, file));
    if (text !== null) named.push([ggufTemplateName(basename(file, '.jinja')), text]);
  }
  return named;
}

/** The file's text, or null when it does not exist; any other failure is one plain line. */
async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new UserError(`Cannot read ${file} (${code ?? (e as Error).message}).`);
  }
}

function parseJson(text: string, file: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // fall through to the one-line error
  }
  throw new UserError(`${file} is not a JSON object. Re-download it or delete it.`);
}
