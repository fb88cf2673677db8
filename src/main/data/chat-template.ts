/**
 * Conversations rendered as text the way the model was taught to read them: with its own chat
 * template (read by src/main/model/chat-templates.ts), through @huggingface/jinja, the Jinja
 * implementation transformers.js uses, or with a plain fallback template when the model has
 * none (shown to the user, so what the model learns is never hidden).
 *
 * Rendering follows transformers' apply_chat_template: blocks trimmed (trim_blocks,
 * lstrip_blocks), variables messages, add_generation_prompt, tools and documents (none), the
 * tokenizer's special tokens (bos_token, eos_token, unk_token, pad_token as
 * tokenizer_config.json names them) and raise_exception. Two deliberate differences:
 *   - A variable the template uses without testing it first (`is defined`, `| default`) and that
 *     is not given is an error naming the file and line, not an empty string: a silently empty
 *     piece of the prompt would be trained into the model.
 *   - strftime_now is not given, so the rendered text (and the training data's hash) does not
 *     change from one day to the next; templates that test for it use their own fixed date.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { UserError } from '../../shared/errors.js';
import type { ChatMessage, ChatTemplateInfo } from '../../shared/instruct.js';
import { readChatTemplates } from '../model/chat-templates.js';
import { TOKENIZER_CONFIG_FILE } from '../model/tokenizer.js';

export type { ChatMessage, ChatTemplateInfo } from '../../shared/instruct.js';

/**
 * The template used when the model has none: the Alpaca layout, which base models read
 * naturally. The end-of-sequence token closes every response, so the model learns to stop.
 */
export const FALLBACK_CHAT_TEMPLATE = `{%- if bos_token is defined and bos_token %}{{ bos_token }}{% endif %}
{%- for message in messages %}
{%- if not loop.first and message.role != 'assistant' %}{{ '\\n\\n' }}{% endif %}
{%- if message.role == 'system' %}{{ message.content }}
{%- elif message.role == 'user' %}{{ '### Instruction:\\n' + message.content + '\\n\\n### Response:\\n' }}
{%- elif message.role == 'assistant' %}{{ message.content }}{% if eos_token is defined and eos_token %}{{ eos_token }}{% endif %}
{%- endif %}
{%- endfor %}`;

/** Special tokens as tokenizer_config.json names them: a string or {"content": ...}. */
const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'] as const;

export class ChatTemplate {
  private constructor(
    readonly info: ChatTemplateInfo,
    private readonly program: ReturnType<typeof parse>,
    private readonly specials: Record<string, string>,
    private readonly inline: boolean,
  ) {}

  /**
   * Compiles `text`; `source` names where it came from in every message, `inline` that it is a
   * string inside that file (tokenizer_config.json), so that line numbers count within the template.
   */
  static compile(text: string, source: string, options: { fallback?: boolean; inline?: boolean }, specials: Record<string, string>): ChatTemplate {
    let program: ReturnType<typeof parse>;
    try {
      program = parse(tokenize(text, { lstrip_blocks: true, trim_blocks: true }));
    } catch (e) {
      throw new UserError(`${source}: the chat template cannot be read (${firstLine(e)}). Fix the template, or give another one with --template FILE.`);
    }
    return new ChatTemplate({ source, text, fallback: options.fallback === true }, program, specials, options.inline === true);
  }

  /** The text of `messages`; with addGenerationPrompt, followed by what opens the assistant's reply. */
  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string {
    const env = new Environment();
    const globals: Record<string, unknown> = {
      false: false,
      true: true,
      none: null,
      False: false,
      True: true,
      None: null,
      range,
      raise_exception: (message: unknown) => {
        throw new TemplateRaised(String(message));
      },
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      add_generation_prompt: addGenerationPrompt,
      tools: null,
      documents: null,
      ...this.specials,
    };
    for (const [name, value] of Object.entries(globals)) env.set(name, value);
    try {
      const result = new StrictInterpreter(env).run(this.program);
      return String(result.value);
    } catch (e) {
      if (e instanceof UndefinedVariable) {
        const line = lineOf(this.info.text, e.variable);
        const where =
          line === null
            ? this.info.source
            : this.inline
              ? `${this.info.source} (chat_template, line ${line} of the template)`
              : `${this.info.source} line ${line}`;
        throw new UserError(
          `${where}: the chat template uses "${e.variable}", which is not defined when a conversation is rendered (given: ${Object.keys(globals)
            .filter((k) => !/^(false|true|none|False|True|None)$/.test(k))
            .join(', ')}). Guard it with "is defined" or remove it.`,
        );
      }
      throw new ChatTemplateFailed(e instanceof TemplateRaised ? e.message : firstLine(e));
    }
  }
}

/** A conversation the template refused (raise_exception) or failed on: the caller names the data line. */
export class ChatTemplateFailed extends Error {}

class TemplateRaised extends Error {}

class UndefinedVariable extends Error {
  constructor(readonly variable: string) {
    super(`undefined variable ${variable}`);
  }
}

type Node = { type: string; value?: unknown; operand?: Node; filter?: { type: string; value?: unknown; callee?: { value?: unknown } } };
type RuntimeValue = { type: string; value: unknown };

/**
 * Jinja2's StrictUndefined in spirit: an undefined variable may be tested (`x is defined`,
 * `x is none`, `x | default(...)`), anything else done with it is an error.
 */
class StrictInterpreter extends Interpreter {
  private readonly guarded = new WeakSet<object>();

  override evaluate(...args: Parameters<Interpreter['evaluate']>): ReturnType<Interpreter['evaluate']> {
    const node = args[0] as unknown as Node | undefined;
    if (node?.type === 'TestExpression' && node.operand) this.guarded.add(node.operand);
    if (node?.type === 'FilterExpression' && node.operand && isDefaultFilter(node.filter)) this.guarded.add(node.operand);
    const value = super.evaluate(...args) as unknown as RuntimeValue;
    if (node?.type === 'Identifier' && value.type === 'UndefinedValue' && !this.guarded.has(node)) throw new UndefinedVariable(String(node.value));
    return value as unknown as ReturnType<Interpreter['evaluate']>;
  }
}

function isDefaultFilter(filter: Node['filter']): boolean {
  const name = filter?.type === 'CallExpression' ? filter.callee?.value : filter?.value;
  return name === 'default' || name === 'd';
}

/** Python's range(stop) / range(start, stop[, step]). */
function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new TemplateRaised('range() step must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** The 1-based line of the first use of `name` inside a {{ }} or {% %} block, or null. */
function lineOf(text: string, name: string): number | null {
  const pattern = new RegExp(`\\b${name.replace(/[^A-Za-z0-9_]/g, '')}\\b`);
  for (const block of text.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)) {
    const found = pattern.exec(block[0]);
    if (found) return text.slice(0, block.index + found.index).split('\n').length;
  }
  return null;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * The template a model's conversations are rendered with: `overrideFile` when given, else the
 * model's default chat template, else the fallback (info.fallback = true).
 */
export async function loadChatTemplate(modelDir: string, overrideFile?: string | null): Promise<ChatTemplate> {
  const config = await readTokenizerConfig(modelDir);
  const specials = specialTokens(config);
  if (overrideFile) {
    const text = await readFile(overrideFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new UserError(`Cannot read the chat template ${overrideFile} (${e.code ?? e.message}).`);
    });
    return ChatTemplate.compile(text, overrideFile, {}, specials);
  }
  const { templates } = await readChatTemplates(modelDir, config);
  if (templates?.default) {
    return ChatTemplate.compile(templates.default, join(modelDir, templates.source), { inline: !templates.source.endsWith('.jinja') }, specials);
  }
  return ChatTemplate.compile(FALLBACK_CHAT_TEMPLATE, 'the plain fallback template (the model has no chat template)', { fallback: true }, specials);
}

async function readTokenizerConfig(modelDir: string): Promise<Record<string, unknown>> {
  const file = join(modelDir, TOKENIZER_CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UserError(`Cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // the one-line error below
  }
  throw new UserError(`${file} is not a JSON object. Re-download it or delete it.`);
}

function specialTokens(config: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of SPECIAL_TOKENS) {
    const value = config[key];
    const content = typeof value === 'string' ? value : (value as { content?: unknown } | null)?.content;
    if (typeof content === 'string') out[key] = content;
  }
  return out;
}
