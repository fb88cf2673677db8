/**
 * Instruction data: JSON Lines (or a JSON array) in the shapes people have, read into
 * conversations. Each record is one of:
 *
 *   messages           {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}
 *   sharegpt           {"conversations": [{"from": "system"|"human"|"gpt", "value": "..."}, ...]}
 *   alpaca             {"instruction": "...", "input": "..." (optional), "output": "...", "system": "..." (optional)}
 *                      -> user: instruction, a blank line and the input when there is one; assistant: output
 *   prompt/completion  {"prompt": "...", "completion": "..."} -> one user turn and one assistant turn
 *
 * A conversation must end with a non-empty assistant turn; every assistant turn is learned.
 * A record that fits no shape, misses a field or has an empty response stops the run with one
 * line naming the file and line (or, with --bad-lines skip, is listed and left out).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../shared/errors.js';
import { CHAT_ROLES, type ChatMessage, type ChatRole } from '../../shared/instruct.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { jsonlRecords, type BadLinePolicy, type SkippedInput } from './jsonl.js';

export interface InstructionExample {
  messages: ChatMessage[];
  /** "file:line" (or "file, item N" in a JSON array), for messages. */
  where: string;
  shape: InstructionShape;
}

export type InstructionShape = 'messages' | 'sharegpt' | 'alpaca' | 'prompt/completion';

const SHAREGPT_ROLES: Record<string, ChatRole> = { system: 'system', human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant' };

/** The examples of a .jsonl or .json file, or of every such file in a folder (sorted by path). */
export async function readInstructions(
  path: string,
  options: { badLines?: BadLinePolicy; skipped?: SkippedInput[]; /** Stop after this many examples (a quick look). */ limit?: number } = {},
  control: TaskControl = {},
): Promise<InstructionExample[]> {
  const skipped = options.skipped ?? [];
  const policy = options.badLines ?? 'stop';
  const files = await instructionFiles(path);
  if (files.length === 0) {
    throw new UserError(
      `${path} holds no .jsonl or .json file of instructions. Give JSON Lines with "messages", "instruction"/"output" or "prompt"/"completion".`,
    );
  }
  const examples: InstructionExample[] = [];
  const bad = (where: string, problem: string) => {
    if (policy === 'stop') throw new UserError(`${where}: ${problem}. Fix it, or choose to skip bad lines (--bad-lines skip); nothing was trained.`);
    skipped.push({ path: where, reason: problem });
  };
  const limit = options.limit ?? Infinity;
  const take = (value: unknown, where: string) => {
    const parsed = parseInstruction(value);
    if (typeof parsed === 'string') bad(where, parsed);
    else examples.push({ ...parsed, where });
  };
  for (const file of files) {
    if (examples.length >= limit) break;
    throwIfCancelled(control.signal);
    if (/\.json$/i.test(file)) {
      const items = await readJsonArray(file);
      items.slice(0, limit - examples.length).forEach((value, i) => take(value, `${file}, item ${i + 1}`));
      continue;
    }
    for await (const record of jsonlRecords(file)) {
      if (examples.length >= limit) break;
      if ('problem' in record) bad(`${file}:${record.line}`, record.problem);
      else take(record.value, `${file}:${record.line}`);
    }
  }
  if (examples.length === 0) throw new UserError(`${path} has no usable instruction example${skipped.length ? ` (${skipped.length} skipped)` : ''}.`);
  return examples;
}

/** One record as a conversation, or what is wrong with it. */
export function parseInstruction(value: unknown): { messages: ChatMessage[]; shape: InstructionShape } | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if ('messages' in r) return conversation(r.messages, 'messages', 'messages');
  if ('conversations' in r) return conversation(r.conversations, 'conversations', 'sharegpt');
  if ('instruction' in r || 'output' in r) {
    const instruction = text(r.instruction, '"instruction"');
    if (typeof instruction !== 'string') return instruction.problem;
    if (instruction.trim() === '') return 'the "instruction" is empty';
    const input = r.input === undefined || r.input === null ? '' : text(r.input, '"input"');
    if (typeof input !== 'string') return input.problem;
    const output = text(r.output, '"output"');
    if (typeof output !== 'string') return output.problem;
    if (output.trim() === '') return 'the response ("output") is empty; every example needs a response to learn from';
    const system = r.system === undefined || r.system === null ? '' : text(r.system, '"system"');
    if (typeof system !== 'string') return system.problem;
    const messages: ChatMessage[] = [
      ...(system.trim() ? [{ role: 'system' as const, content: system }] : []),
      { role: 'user', content: input.trim() ? `${instruction}\n\n${input}` : instruction },
      { role: 'assistant', content: output },
    ];
    return { messages, shape: 'alpaca' };
  }
  if ('prompt' in r || 'completion' in r) {
    const prompt = text(r.prompt, '"prompt"');
    if (typeof prompt !== 'string') return prompt.problem;
    const completion = text(r.completion, '"completion"');
    if (typeof completion !== 'string') return completion.problem;
    if (completion.trim() === '') return 'the response ("completion") is empty; every example needs a response to learn from';
    return {
      messages: [
        { role: 'user', content: prompt },
        { role: 'assistant', content: completion },
      ],
      shape: 'prompt/completion',
    };
  }
  return 'no "messages", "instruction"/"output" or "prompt"/"completion" fields; each example needs one of these shapes';
}

function conversation(list: unknown, field: string, shape: InstructionShape): { messages: ChatMessage[]; shape: InstructionShape } | string {
  if (!Array.isArray(list) || list.length === 0) return `"${field}" must be a non-empty list of turns`;
  const messages: ChatMessage[] = [];
  for (const [i, turn] of list.entries()) {
    if (typeof turn !== 'object' || turn === null) return `turn ${i + 1} of "${field}" is not an object`;
    const t = turn as Record<string, unknown>;
    const role = shape === 'sharegpt' ? SHAREGPT_ROLES[String(t.from)] : (t.role as ChatRole);
    if (!(CHAT_ROLES as readonly string[]).includes(role)) {
      return shape === 'sharegpt'
        ? `turn ${i + 1} has "from": ${JSON.stringify(t.from)}; use "system", "human" or "gpt"`
        : `turn ${i + 1} has "role": ${JSON.stringify(t.role)}; use "system", "user" or "assistant"`;
    }
    const content = text(shape === 'sharegpt' ? t.value : t.content, shape === 'sharegpt' ? `"value" of turn ${i + 1}` : `"content" of turn ${i + 1}`);
    if (typeof content !== 'string') return content.problem;
    if (role === 'assistant' && content.trim() === '') return `the response of turn ${i + 1} is empty; every example needs a response to learn from`;
    messages.push({ role, content });
  }
  if (messages.at(-1)!.role !== 'assistant') return 'the conversation does not end with an assistant turn, so there is no response to learn from';
  return { messages, shape };
}

function text(value: unknown, name: string): string | { problem: string } {
  if (value === undefined || value === null) return { problem: `${name} is missing` };
  if (typeof value !== 'string') return { problem: `${name} must be text, not ${Array.isArray(value) ? 'a list' : typeof value}` };
  return value;
}

const INSTRUCTION_FILE = /\.(jsonl|ndjson|json)$/i;

/** The file itself, or every .jsonl/.json file under the folder (hidden ones left out), in code-point order. */
async function instructionFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => {
    throw new UserError(`${path} does not exist or cannot be read. Choose a .jsonl file of instructions, or a folder of them.`);
  });
  if (info.isFile()) return [path];
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && INSTRUCTION_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(path);
  return found;
}

async function readJsonArray(file: string): Promise<unknown[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message.split('\n')[0]}). Give a JSON array of examples, or JSON Lines (.jsonl).`);
  }
  if (!Array.isArray(value)) throw new UserError(`${file} is not a JSON array of examples. Give a list [{...}, ...], or JSON Lines (.jsonl).`);
  return value;
}
