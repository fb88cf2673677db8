/**
 * The model's chat templates, found where Hugging Face keeps them, as GGUF metadata:
 *
 *   chat_template.jinja                 the newer layout (transformers 4.47 and later write the
 *   additional_chat_templates/NAME.jinja default template here and leave it out of
 *                                       tokenizer_config.json; named extra templates beside it)
 *   tokenizer_config.json "chat_template" the older layout: a string, or a list of
 *                                       {"name": ..., "template": ...} with one named "default"
 *   chat_template.json {"chat_template"} the processor layout of some multimodal checkpoints
 *
 * When a folder has both a chat_template.jinja and an inline template, transformers uses the
 * .jinja file, and so do we (llama.cpp's converter would take the inline one); a differing inline
 * template is reported as a warning. GGUF keys as gguf-py's GGUFWriter.add_chat_template writes
 * them: tokenizer.chat_template (the default), tokenizer.chat_template.NAME per named template
 * (NAME with anything but letters and digits turned into "_"), and tokenizer.chat_templates
 * listing the names.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { TOKENIZER_CONFIG_FILE } from '../model/tokenizer.js';
import { array, scalar, type GgufValue } from './gguf-format.js';

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

import type { ChatTemplateSummary } from '../../shared/export.js';

export type { ChatTemplateSummary } from '../../shared/export.js';

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
        `${TOKENIZER_CONFIG_FILE} and ${CHAT_TEMPLATE_FILE} hold different chat templates; the GGUF file carries ${CHAT_TEMPLATE_FILE}, as transformers uses it.`,
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

export function chatTemplateMetadata(t: ChatTemplates): [string, GgufValue][] {
  const entries: [string, GgufValue][] = [];
  if (t.default !== null) entries.push(['tokenizer.chat_template', scalar('string', t.default)]);
  for (const [name, template] of t.named) entries.push([`tokenizer.chat_template.${name}`, scalar('string', template)]);
  if (t.named.length > 0)
    entries.push([
      'tokenizer.chat_templates',
      array(
        'string',
        t.named.map(([name]) => name),
      ),
    ]);
  return entries;
}

export function summariseChatTemplates(t: ChatTemplates | null): ChatTemplateSummary | null {
  return t ? { source: t.source, hasDefault: t.default !== null, names: t.named.map(([name]) => name) } : null;
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
  warnings.push(`The chat template in ${file} is neither text nor a list of named templates; it was left out of the GGUF file.`);
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
