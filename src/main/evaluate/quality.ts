/**
 * The two quality measures of evaluation and of the drop-one / insert-one probes, read once
 * and measured for any block sequence: perplexity of the DATA sequences, and multiple-choice
 * accuracy on a QA file when one is given.
 */
import { UserError } from '../../shared/errors.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import { readQa } from '../data/index.js';
import type { BlockSource, ForwardEngine } from '../engine/forward-engine.js';
import type { ModelFolder } from '../model/folder.js';
import { loadModelData, optionalTokenizer, type DataOptions, type ModelData } from './model-data.js';
import { prepareQuestions, scoreMultipleChoice, type PreparedQuestion } from './multiple-choice.js';
import { measurePerplexity } from './perplexity.js';
import type { Quality } from '../../shared/evaluation.js';
import type { ForwardShape } from '../memory/forward.js';

export interface QualityOptions extends DataOptions {
  /** Multiple-choice questions (JSONL file or folder). */
  qa?: string;
}

export interface QualityInputs {
  data: ModelData;
  questions: PreparedQuestion[] | null;
  qaHash: string | null;
}

export type { Quality } from '../../shared/evaluation.js';

export async function loadQualityInputs(folder: ModelFolder, options: QualityOptions, defaultSeqLen: number, control: TaskControl): Promise<QualityInputs> {
  const tokenizer = await optionalTokenizer(folder);
  if (options.qa !== undefined && tokenizer === null) {
    throw new UserError(
      `Questions are text, but ${folder.dir} has no tokenizer.json. Copy the model's tokenizer.json (and tokenizer_config.json) into the folder.`,
    );
  }
  const data = await loadModelData(folder, tokenizer, options, defaultSeqLen, control);
  if (options.qa === undefined || tokenizer === null) return { data, questions: null, qaHash: null };
  const qa = await readQa(options.qa, { badLines: options.badLines }, control);
  for (const s of qa.skipped) control.onLog?.(`Skipped ${s.path}: ${s.reason}`);
  return { data, questions: prepareQuestions(qa.items, tokenizer, folder.description.maxPositionEmbeddings), qaHash: qa.hash };
}

/** What measureQuality runs, for the memory plan: every sequence of the data and every question's choices. */
export function qualityShape(inputs: QualityInputs): ForwardShape {
  const choices = inputs.questions?.flatMap((q) => q.choices.map((c) => c.ids.length)) ?? [];
  const lengths = [...inputs.data.sequences.map((s) => s.length), ...choices];
  return { sequences: Math.max(inputs.data.sequences.length, choices.length), seqLen: Math.max(1, ...lengths) };
}

export async function measureQuality(
  engine: ForwardEngine,
  inputs: QualityInputs,
  blockSequence: readonly BlockSource[] | undefined,
  control: TaskControl,
): Promise<Quality> {
  // Progress shares follow the tokens each part runs.
  const qaTokens = inputs.questions?.reduce((n, q) => n + q.choices.reduce((m, c) => m + c.ids.length, 0), 0) ?? 0;
  const split = inputs.data.tokens / (inputs.data.tokens + qaTokens);
  const perplexity = await measurePerplexity(engine, inputs.data.sequences, blockSequence, progressSpan(control, 0, split));
  const qa = inputs.questions ? await scoreMultipleChoice(engine, inputs.questions, blockSequence, progressSpan(control, split, 1)) : null;
  return { ...perplexity, qa };
}
