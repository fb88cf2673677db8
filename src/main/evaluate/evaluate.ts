/**
 * `slayer eval`: held-out perplexity of a model on DATA, with a QA file multiple-choice
 * accuracy, and with tasks (tasks/) benchmark metrics and every item's result. Everything needed
 * to reproduce the numbers is recorded with them: sequence length, sample count and seed,
 * hashes of the data, the questions and each task, and each task's settings.
 */
import type { BosPolicy, EvaluateResult, RunRecord, TaskEvaluation } from '../../shared/evaluation.js';
import type { MemoryRecord } from '../../shared/memory.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import type { BadLinePolicy } from '../data/index.js';
import { withEngine, withModelFolder, type EngineSettings } from './model-session.js';
import type { ForwardEngine } from '../engine/forward-engine.js';
import type { ModelFolder } from '../model/folder.js';
import type { ModelTokenizer } from '../model/tokenizer.js';
import { loadQualityInputs, measureQuality, qualityShape, type QualityOptions } from './quality.js';
import { loadTasks, longestSequence, runTasks, type LoadedTask } from './tasks/index.js';
import { EVAL_SEQ_LEN } from '../../shared/commands/eval.js';

/** Default tokens per sequence (capped at the model's context). */
export { EVAL_SEQ_LEN };

/** Benchmark tasks to run besides (or instead of) perplexity. */
export interface TaskSelection {
  /** Task files, JSONL files or bundled:NAME (comma lists allowed). */
  tasks?: readonly string[];
  /** Few-shot examples for every task (default: each task's own). */
  fewshot?: number;
  /** The first N items of every task. */
  limit?: number;
  bos?: BosPolicy;
  badLines?: BadLinePolicy;
}

export interface EvaluateOptions extends QualityOptions, EngineSettings, TaskSelection {}

export type { EvaluateResult, TaskEvaluation } from '../../shared/evaluation.js';

export async function evaluateModel(modelDir: string, options: EvaluateOptions, control: TaskControl = {}): Promise<EvaluateResult> {
  const started = performance.now();
  const hasTasks = (options.tasks?.length ?? 0) > 0;
  return withModelFolder(modelDir, async (folder) => {
    const inputs = await loadQualityInputs(folder, options, EVAL_SEQ_LEN, progressSpan(control, 0, 0.05, 'Reading data'));
    const tasks = hasTasks ? await loadTasks(options.tasks!, options, progressSpan(control, 0.05, 0.1, 'Reading tasks')) : null;
    const tokenizer = tasks ? await folder.loadTokenizer() : null;
    const quality = qualityShape(inputs);
    const job = {
      sequences: quality.sequences + taskItems(tasks),
      seqLen: Math.max(quality.seqLen, tasksLength(tasks, tokenizer, folder)),
      work: 'Evaluation',
    };
    return withEngine(folder, options, job, progressSpan(control, 0.1, 0.2, 'Loading model'), async (engine, memory) => {
      const measured = await measureQuality(engine, inputs, undefined, progressSpan(control, 0.2, hasTasks ? 0.4 : 1));
      const reports = tasks ? await runTasks({ engine, tokenizer: tokenizer! }, tasks, progressSpan(control, 0.4, 1)) : undefined;
      return {
        ...measured,
        seqLen: inputs.data.seqLen,
        samples: inputs.data.sequences.length,
        seed: inputs.data.seed,
        dataHash: inputs.data.dataHash,
        qaHash: inputs.qaHash,
        ...(reports ? { tasks: reports } : {}),
        ...runRecord(folder, engine, memory, started),
      };
    });
  });
}

export async function evaluateTasks(modelDir: string, options: TaskSelection & EngineSettings, control: TaskControl = {}): Promise<TaskEvaluation> {
  const started = performance.now();
  return withModelFolder(modelDir, async (folder) => {
    const tasks: LoadedTask[] = await loadTasks(options.tasks ?? [], options, progressSpan(control, 0, 0.05, 'Reading tasks'));
    const tokenizer = await folder.loadTokenizer();
    const job = { sequences: taskItems(tasks), seqLen: tasksLength(tasks, tokenizer, folder), work: 'Evaluation' };
    return withEngine(folder, options, job, progressSpan(control, 0.05, 0.15, 'Loading model'), async (engine, memory) => ({
      tasks: await runTasks({ engine, tokenizer }, tasks, progressSpan(control, 0.15, 1)),
      ...runRecord(folder, engine, memory, started),
    }));
  });
}

function taskItems(tasks: readonly LoadedTask[] | null): number {
  return tasks?.reduce((n, t) => n + t.docs.length, 0) ?? 0;
}

/** The longest sequence any task runs, in tokens (0 without tasks). */
function tasksLength(tasks: readonly LoadedTask[] | null, tokenizer: ModelTokenizer | null, folder: ModelFolder): number {
  if (!tasks || !tokenizer) return 0;
  return Math.max(0, ...tasks.map((t) => longestSequence(t, tokenizer, folder.description.maxPositionEmbeddings)));
}

function runRecord(folder: ModelFolder, engine: ForwardEngine, memory: MemoryRecord, started: number): RunRecord {
  return {
    model: { dir: folder.dir, layers: folder.description.layers },
    provider: engine.provider,
    threads: engine.threads,
    memory,
    seconds: (performance.now() - started) / 1000,
  };
}
