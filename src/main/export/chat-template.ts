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
import { array, scalar, type GgufValue } from './gguf-format.js';
import type { ChatTemplates } from '../model/chat-templates.js';
import type { ChatTemplateSummary } from '../../shared/export.js';

export { ADDITIONAL_CHAT_TEMPLATES_DIR, CHAT_TEMPLATE_FILE, ggufTemplateName, readChatTemplates, type ChatTemplates } from '../model/chat-templates.js';
export type { ChatTemplateSummary } from '../../shared/export.js';

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
