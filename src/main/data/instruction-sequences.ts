/**
 * Instruction examples -> training sequences with loss masks: each conversation rendered with
 * the chat template (chat-template.ts), tokenised, its response tokens marked, then packed
 * several to a sequence or kept one per sequence, as the user picks.
 *
 * Which tokens are the response. For every assistant turn k the template renders the
 * conversation up to it with the generation prompt (what opens the reply) and up to and
 * including it; the text between the two renders is the response, closing tokens included
 * (<|eot_id|>, </s>), so the model learns to stop. Each render must extend the one before it; a
 * template that rewrites earlier turns (some reasoning models drop old thoughts) is refused with
 * its file named. Tokens are those of the whole text; the token index where a piece starts is
 * where the tokens of the text before it stop agreeing with the whole text's (a token that
 * merges across the boundary joins the later piece).
 *
 * Loss mask: target t (predicting token t + 1) counts when token t + 1 is a response token and
 * belongs to the same example as token t.
 *
 *   pack  examples are appended to a sequence while they fit in seqLen; attention stays within
 *         each example (segment ids, engine/graphs/segment-mask.ts). Few wasted positions; each
 *         sequence still computes [seqLen, seqLen] attention scores, most of them masked.
 *   pad   one example per sequence; a batch is padded to its longest example. No cross-example
 *         mask needed; padding positions are computed and thrown away.
 * An example longer than seqLen keeps its first seqLen tokens; one left without a response
 * token by that cut is dropped. Both are counted.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../shared/errors.js';
import type { InstructPacking, InstructPreview, RenderedPiece } from '../../shared/instruct.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { SequenceLayout } from '../engine/training-engine.js';
import { readModelConfig } from '../model/config.js';
import { ModelTokenizer } from '../model/tokenizer.js';
import { ChatTemplateFailed, loadChatTemplate, type ChatTemplate } from './chat-template.js';
import { readInstructions, type InstructionExample } from './instructions.js';
import type { BadLinePolicy, SkippedInput } from './jsonl.js';
import { createYielder } from './pacing.js';
import { littleEndianBytes } from './token-bytes.js';

export interface InstructionSequenceOptions {
  seqLen: number;
  packing: InstructPacking;
  /** Token ids must be below this (the model's vocabulary size). */
  vocabSize: number;
  badLines?: BadLinePolicy;
  /** Read at most this many examples (a quick look before training). */
  limit?: number;
}

export interface InstructionSequences {
  sequences: Int32Array[];
  /** Per sequence: its loss mask, and its segment ids when it packs several examples. */
  layouts: SequenceLayout[];
  /** "sha256:<hex>" over the settings, the template and every sequence with its layout. */
  dataHash: string;
  preview: InstructPreview;
  skipped: SkippedInput[];
}

/** One example's tokens and which of them are response tokens. */
export interface TokenizedExample {
  ids: Int32Array;
  response: Uint8Array;
}

export async function loadInstructionSequences(
  path: string,
  tokenizer: ModelTokenizer,
  template: ChatTemplate,
  o: InstructionSequenceOptions,
  control: TaskControl = {},
): Promise<InstructionSequences> {
  const skipped: SkippedInput[] = [];
  const examples = await readInstructions(path, { badLines: o.badLines, skipped, limit: o.limit }, control);
  const yieldNow = createYielder();
  const tokenized: TokenizedExample[] = [];
  const shapes: Record<string, number> = {};
  let tokens = 0;
  let truncated = 0;
  let dropped = 0;
  let first: RenderedPiece[] = [];
  for (const [i, example] of examples.entries()) {
    control.onProgress?.({ fraction: i / examples.length, message: `Rendering instruction ${i + 1} of ${examples.length}` });
    const pieces = renderPieces(example, template);
    if (i === 0) first = pieces;
    const t = tokenizePieces(pieces, tokenizer);
    for (const id of t.ids) {
      if (id >= o.vocabSize)
        throw new UserError(`${example.where}: token id ${id} is outside the model's vocabulary of ${o.vocabSize}. Use this model's tokenizer.`);
    }
    shapes[example.shape] = (shapes[example.shape] ?? 0) + 1;
    tokens += t.ids.length;
    let kept = t;
    if (t.ids.length > o.seqLen) {
      truncated++;
      kept = { ids: t.ids.slice(0, o.seqLen), response: t.response.slice(0, o.seqLen) };
    }
    // The first token is never a target, so a response must have a token after position 0.
    if (!kept.response.subarray(1).includes(1)) {
      dropped++;
      control.onLog?.(`${example.where}: no response token within ${o.seqLen} tokens; left out.`);
      continue;
    }
    tokenized.push(kept);
    await yieldNow();
    throwIfCancelled(control.signal);
  }
  if (tokenized.length === 0) {
    throw new UserError(`No example of ${path} keeps a response within ${o.seqLen} tokens. Choose a longer --seq-len or shorter examples.`);
  }
  const { sequences, layouts } = o.packing === 'pack' ? packExamples(tokenized, o.seqLen) : padExamples(tokenized);
  const responseTokens = layouts.reduce((n, l) => n + l.targetMask!.reduce((a, b) => a + b, 0), 0);
  const settings = { seqLen: o.seqLen, packing: o.packing, template: template.info.text };
  return {
    sequences,
    layouts,
    dataHash: instructionDataHash(settings, sequences, layouts),
    preview: { template: template.info, examples: tokenized.length, shapes, tokens, responseTokens, truncated, dropped, first },
    skipped,
  };
}

/** Examples a quick look reads. */
export const PREVIEW_EXAMPLES = 200;

/** The first examples of `data` as `modelDir` would train on them: template, counts, the first example in pieces. */
export async function previewInstructions(
  modelDir: string,
  data: string,
  o: { template?: string; seqLen: number; packing: InstructPacking },
): Promise<InstructPreview> {
  const [tokenizer, template, config] = await Promise.all([ModelTokenizer.load(modelDir), loadChatTemplate(modelDir, o.template), readModelConfig(modelDir)]);
  const read = await loadInstructionSequences(data, tokenizer, template, {
    seqLen: o.seqLen,
    packing: o.packing,
    vocabSize: config.vocabSize,
    limit: PREVIEW_EXAMPLES,
  });
  return { ...read.preview, partial: read.preview.examples + read.preview.dropped >= PREVIEW_EXAMPLES };
}

/** The conversation as prompt and response pieces (see the module comment). */
export function renderPieces(example: InstructionExample, template: ChatTemplate): RenderedPiece[] {
  const pieces: RenderedPiece[] = [];
  const refuse = (what: string): never => {
    throw new UserError(
      `${example.where}: the chat template (${template.info.source}) ${what}, so the response tokens cannot be told apart. Give a template that renders turns in order (--template FILE).`,
    );
  };
  const render = (upTo: number, generationPrompt: boolean) => {
    try {
      return template.render(example.messages.slice(0, upTo), generationPrompt);
    } catch (e) {
      if (e instanceof ChatTemplateFailed) {
        throw new UserError(
          `${example.where}: the chat template (${template.info.source}) cannot render this conversation: ${e.message}. Fix the line or the template.`,
        );
      }
      throw e;
    }
  };
  let done = '';
  example.messages.forEach((m, k) => {
    if (m.role !== 'assistant') return;
    const prompt = render(k, true);
    if (!prompt.startsWith(done)) refuse(`renders turn ${k + 1} with a different beginning than the turns before it`);
    const full = render(k + 1, false);
    if (!full.startsWith(prompt)) refuse(`renders the reply of turn ${k + 1} without the opening it renders for the generation prompt`);
    if (full.length === prompt.length) refuse(`renders the reply of turn ${k + 1} as nothing`);
    if (prompt.length > done.length) pieces.push({ text: prompt.slice(done.length), response: false });
    pieces.push({ text: full.slice(prompt.length), response: true });
    done = full;
  });
  return pieces;
}

/** Tokens of the whole text, each marked as response or not by the piece it starts in. */
export function tokenizePieces(pieces: readonly RenderedPiece[], tokenizer: ModelTokenizer): TokenizedExample {
  const text = pieces.map((p) => p.text).join('');
  const ids = tokenizer.encode(text, { addSpecial: false });
  const response = new Uint8Array(ids.length);
  let offset = 0;
  let start = 0;
  for (const [k, piece] of pieces.entries()) {
    const endChar = offset + piece.text.length;
    const end = k === pieces.length - 1 ? ids.length : agreeingPrefix(tokenizer.encode(text.slice(0, endChar), { addSpecial: false }), ids);
    if (piece.response) response.fill(1, start, end);
    start = end;
    offset = endChar;
  }
  return { ids: Int32Array.from(ids), response };
}

function agreeingPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** Examples appended to a sequence while they fit (in order); segment k of a sequence is its k-th example. */
export function packExamples(examples: readonly TokenizedExample[], seqLen: number): { sequences: Int32Array[]; layouts: SequenceLayout[] } {
  const sequences: Int32Array[] = [];
  const layouts: SequenceLayout[] = [];
  let group: TokenizedExample[] = [];
  let used = 0;
  const flush = () => {
    if (group.length === 0) return;
    const ids = new Int32Array(used);
    const response = new Uint8Array(used);
    const segments = new Int32Array(used);
    let at = 0;
    group.forEach((e, k) => {
      ids.set(e.ids, at);
      response.set(e.response, at);
      segments.fill(k, at, at + e.ids.length);
      at += e.ids.length;
    });
    const targetMask = new Uint8Array(used - 1);
    for (let t = 0; t + 1 < used; t++) targetMask[t] = response[t + 1] && segments[t] === segments[t + 1] ? 1 : 0;
    sequences.push(ids);
    layouts.push(group.length > 1 ? { targetMask, segments } : { targetMask });
    group = [];
    used = 0;
  };
  for (const e of examples) {
    if (used + e.ids.length > seqLen) flush();
    group.push(e);
    used += e.ids.length;
  }
  flush();
  return { sequences, layouts };
}

/** One example per sequence. */
export function padExamples(examples: readonly TokenizedExample[]): { sequences: Int32Array[]; layouts: SequenceLayout[] } {
  return {
    sequences: examples.map((e) => e.ids),
    layouts: examples.map((e) => ({ targetMask: e.response.slice(1) })),
  };
}

/** SHA-256 over the settings and each sequence's length, ids, loss mask and segments. */
export function instructionDataHash(settings: Record<string, unknown>, sequences: readonly Int32Array[], layouts: readonly SequenceLayout[]): string {
  const h = createHash('sha256').update(JSON.stringify(settings));
  const length = new Int32Array(1);
  sequences.forEach((s, i) => {
    length[0] = s.length;
    h.update(littleEndianBytes(length)).update(littleEndianBytes(s));
    const layout = layouts[i];
    if (layout.targetMask) h.update(layout.targetMask);
    if (layout.segments) h.update(littleEndianBytes(layout.segments));
  });
  return `sha256:${h.digest('hex')}`;
}
