/**
 * `slayer eval`: held-out perplexity of a model on DATA, with a QA file multiple-choice
 * accuracy, and with tasks (tasks/) benchmark metrics and every item's result. Everything needed
 * to reproduce the numbers is recorded with them: sequence length, sample count and seed,
 * hashes of the data, the questions and each task, and each task's settings.
 */
import type { BosPolicy, TaskReport } from '../../shared/evaluation.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import type { ProviderName } from '../engine/providers.js';
import type { BadLinePolicy } from '../data/index.js';
import { withEngine, withModelFolder, type EngineSettings } from './model-session.js';
import { loadQualityInputs, measureQuality, type Quality, type QualityOptions } from './quality.js';
import { loadTasks, runTasks, type LoadedTask } from './tasks/index.js';

/** Default tokens per sequence (capped at the model's context). */
export const EVAL_SEQ_LEN = 512;

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

interface RunRecord {
  model: { dir: string; layers: number };
  provider: ProviderName;
  threads: number;
  streaming: boolean;
  seconds: number;
}

export interface EvaluateResult extends Quality, RunRecord {
  seqLen: number;
  /** Sequences evaluated. */
  samples: number;
  seed: number;
  dataHash: string;
  qaHash: string | null;
  /** One report per task, in the order asked; absent when no task was asked for. */
  tasks?: TaskReport[];
}

/** `slayer eval MODEL --task ...` without --data: the tasks alone. */
export interface TaskEvaluation extends RunRecord {
  tasks: TaskReport[];
}

export async function evaluateModel(modelDir: string, options: EvaluateOptions, control: TaskControl = {}): Promise<EvaluateResult> {
  const started = performance.now();
  const hasTasks = (options.tasks?.length ?? 0) > 0;
  return withModelFolder(modelDir, async (folder) => {
    const inputs = await loadQualityInputs(folder, options, EVAL_SEQ_LEN, progressSpan(control, 0, 0.05, 'Reading data'));
    const tasks = hasTasks ? await loadTasks(options.tasks!, options, progressSpan(control, 0.05, 0.1, 'Reading tasks')) : null;
    const tokenizer = tasks ? await folder.loadTokenizer() : null;
    return withEngine(folder, options, progressSpan(control, 0.1, 0.2, 'Loading model'), async (engine) => {
      const quality = await measureQuality(engine, inputs, undefined, progressSpan(control, 0.2, hasTasks ? 0.4 : 1));
      const reports = tasks ? await runTasks({ engine, tokenizer: tokenizer! }, tasks, progressSpan(control, 0.4, 1)) : undefined;
      return {
        ...quality,
        seqLen: inputs.data.seqLen,
        samples: inputs.data.sequences.length,
        seed: inputs.data.seed,
        dataHash: inputs.data.dataHash,
        qaHash: inputs.qaHash,
        ...(reports ? { tasks: reports } : {}),
        ...runRecord(folder.dir, folder.description.layers, engine, started),
      };
    });
  });
}

export async function evaluateTasks(modelDir: string, options: TaskSelection & EngineSettings, control: TaskControl = {}): Promise<TaskEvaluation> {
  const started = performance.now();
  return withModelFolder(modelDir, async (folder) => {
    const tasks: LoadedTask[] = await loadTasks(options.tasks ?? [], options, progressSpan(control, 0, 0.05, 'Reading tasks'));
    const tokenizer = await folder.loadTokenizer();
    return withEngine(folder, options, progressSpan(control, 0.05, 0.15, 'Loading model'), async (engine) => ({
      tasks: await runTasks({ engine, tokenizer }, tasks, progressSpan(control, 0.15, 1)),
      ...runRecord(folder.dir, folder.description.layers, engine, started),
    }));
  });
}

function runRecord(dir: string, layers: number, engine: { provider: ProviderName; threads: number; streaming: boolean }, started: number): RunRecord {
  return {
    model: { dir, layers },
    provider: engine.provider,
    threads: engine.threads,
    streaming: engine.streaming,
    seconds: (performance.now() - started) / 1000,
  };
}
