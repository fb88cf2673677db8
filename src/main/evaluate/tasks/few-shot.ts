/**
 * Few-shot examples and the context they make, as lm-evaluation-harness builds them
 * (lm_eval/api/samplers.py and ConfigurableTask.fewshot_context):
 *
 *   random sampler  one PythonRandom(seed) per task (default seed 1234), asked for k examples
 *                   per question in the order the questions are visited; when the examples come
 *                   from the questions' own file it draws k + 1 and drops the question itself
 *                   (records compared by content), keeping the first k.
 *   first sampler   the first k examples of the pool (MMLU's dev split, fixed CoT samples),
 *                   the question itself left out when the pool is the questions' own file.
 *
 *   context = description + sum over examples of (question + targetDelimiter + answer + fewshotDelimiter) + query
 */
import type { FewshotSampler } from '../../../shared/evaluation.js';
import { PythonRandom } from './python-random.js';
import type { TaskDoc, TaskTemplate } from './templates.js';

/** The harness's default --fewshot_seed. */
export const FEWSHOT_SEED = 1234;

export interface PoolDoc {
  doc: TaskDoc;
  /** The record's content, for telling a question from an example (the harness compares dicts). */
  key: string;
}

export class FewshotChooser {
  private readonly random: PythonRandom;

  constructor(
    private readonly pool: readonly PoolDoc[],
    private readonly k: number,
    private readonly sampler: FewshotSampler,
    seed: number,
    /** The examples come from the file the questions come from. */
    private readonly samePool: boolean,
  ) {
    this.random = new PythonRandom(seed);
  }

  /** The examples for one question; call once per question, in order. */
  examplesFor(question: PoolDoc): TaskDoc[] {
    if (this.k === 0) return [];
    if (this.sampler === 'first') {
      const pool = this.samePool ? this.pool.filter((p) => p.key !== question.key) : this.pool;
      return pool.slice(0, this.k).map((p) => p.doc);
    }
    if (!this.samePool) return this.random.sample(this.pool, this.k).map((p) => p.doc);
    return this.random
      .sample(this.pool, this.k + 1)
      .filter((p) => p.key !== question.key)
      .slice(0, this.k)
      .map((p) => p.doc);
  }
}

/** The text before the question: the description and the examples, each shown with its answer. */
export function fewshotPrefix(template: TaskTemplate, description: string, examples: readonly TaskDoc[]): string {
  return (
    description +
    examples
      .map((e) => {
        const delimiter = e.shot.answer === '' ? '' : template.targetDelimiter;
        return e.shot.question + delimiter + e.shot.answer + template.fewshotDelimiter;
      })
      .join('')
  );
}

/** Record content with keys in order, so that equal records compare equal whatever their key order. */
export function recordKey(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
