/**
 * Text generation with the forward engine: the prompt, then one token at a time chosen by
 * sampling.ts from the last position's logits, until an end-of-text token, the token budget or
 * the model's context is reached. Each step recomputes the whole prefix (no key/value cache):
 * quadratic in the length, which small models and short answers afford; the engine stays the
 * single forward implementation. Draw n of a sampled generation is the seeded uniform number n,
 * so a seed fixes the text.
 */
import { UserError } from '../../shared/errors.js';
import { progressSpan, throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { seededUniform } from '../data/hash32.js';
import type { ForwardEngine } from '../engine/forward-engine.js';

import type { ModelTokenizer } from '../model/tokenizer.js';
import { withEngine, withModelFolder, type EngineSettings } from './model-session.js';
import { chooseToken } from './sampling.js';
import type { GenerateOptions, GenerateResult, StopReason } from '../../shared/evaluation.js';

export type { GenerateOptions, GenerateResult, StopReason } from '../../shared/evaluation.js';

export interface Generation {
  /** The new tokens (the end-of-text token included when it stopped the generation). */
  tokens: number[];
  stopReason: StopReason;
}

export function checkGenerateOptions(o: GenerateOptions): void {
  if (!Number.isInteger(o.maxTokens) || o.maxTokens < 1)
    throw new UserError(`The number of tokens to generate must be a whole number from 1, got ${o.maxTokens}.`);
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature)) throw new UserError(`The temperature must be 0 (greedy) or more, got ${o.temperature}.`);
  if (!Number.isInteger(o.topK) || o.topK < 0) throw new UserError(`top-k must be a whole number from 0 (0 = no limit), got ${o.topK}.`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new UserError(`top-p must be above 0 and at most 1, got ${o.topP}.`);
  if (!Number.isInteger(o.seed)) throw new UserError(`The seed must be a whole number, got ${o.seed}.`);
}

export async function generateTokens(
  engine: ForwardEngine,
  promptIds: readonly number[],
  options: GenerateOptions,
  stopIds: ReadonlySet<number>,
  control: TaskControl = {},
  /** Called after each new token with all new tokens so far: true ends the generation (a stop text was written). */
  stopWhen?: (tokens: readonly number[]) => boolean,
): Promise<Generation> {
  checkGenerateOptions(options);
  const vocab = engine.description.vocabSize;
  const limit = engine.description.maxPositionEmbeddings;
  const ids = [...promptIds];
  const tokens: number[] = [];
  for (let step = 0; step < options.maxTokens; step++) {
    throwIfCancelled(control.signal);
    if (ids.length >= limit) return { tokens, stopReason: 'context-full' };
    const [logits] = await engine.logits([ids], { control: { signal: control.signal } });
    const next = chooseToken(logits.subarray((ids.length - 1) * vocab), options, seededUniform(options.seed, step));
    ids.push(next);
    tokens.push(next);
    control.onProgress?.({ fraction: (step + 1) / options.maxTokens, message: `Token ${step + 1} of at most ${options.maxTokens}` });
    if (stopIds.has(next)) return { tokens, stopReason: 'eos' };
    if (stopWhen?.(tokens)) return { tokens, stopReason: 'stop-text' };
  }
  return { tokens, stopReason: 'max-tokens' };
}

/** The ids that end a generation: the tokenizer's and the config's end-of-text tokens. */
export function endOfTextIds(tokenizer: ModelTokenizer, description: { eosTokenId: number | number[] | null }): Set<number> {
  return new Set([tokenizer.eosId, description.eosTokenId].flat().filter((id): id is number => id !== null));
}

/** The prompt as the model reads it: BOS when the tokenizer's configuration adds one, no EOS. */
export function promptTokens(tokenizer: ModelTokenizer, prompt: string): number[] {
  const bos = tokenizer.addBos && tokenizer.bosId !== null ? [tokenizer.bosId] : [];
  return [...bos, ...tokenizer.encode(prompt, { addSpecial: false })];
}

export async function generateText(
  modelDir: string,
  prompt: string,
  options: GenerateOptions & EngineSettings,
  control: TaskControl = {},
): Promise<GenerateResult> {
  const started = performance.now();
  checkGenerateOptions(options);
  return withModelFolder(modelDir, async (folder) => {
    const m = folder.description;
    const tokenizer = await folder.loadTokenizer();
    const promptIds = promptTokens(tokenizer, prompt);
    if (promptIds.length === 0) throw new UserError('The prompt is empty and the tokenizer adds no start token. Give a prompt (--prompt).');
    if (promptIds.length >= m.maxPositionEmbeddings) {
      throw new UserError(
        `The prompt is ${promptIds.length} tokens, which leaves no room within the model's limit of ${m.maxPositionEmbeddings} tokens. Shorten it.`,
      );
    }
    const stopIds = endOfTextIds(tokenizer, m);
    const job = { sequences: 1, seqLen: Math.min(m.maxPositionEmbeddings, promptIds.length + options.maxTokens), work: 'Generation' };
    return withEngine(folder, options, job, progressSpan(control, 0, 0.1, 'Loading model'), async (engine, memory) => {
      const generation = await generateTokens(engine, promptIds, options, stopIds, progressSpan(control, 0.1, 1));
      return {
        prompt,
        text: tokenizer.decode(generation.tokens, { skipSpecial: true }),
        tokens: generation.tokens,
        promptTokens: promptIds,
        stopReason: generation.stopReason,
        maxTokens: options.maxTokens,
        temperature: options.temperature,
        topK: options.topK,
        topP: options.topP,
        seed: options.seed,
        provider: engine.provider,
        memory,
        seconds: (performance.now() - started) / 1000,
      };
    });
  });
}
