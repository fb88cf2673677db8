/**
 * `slayer eval`: held-out perplexity of a model on DATA and, with a QA file, multiple-choice
 * accuracy. Everything needed to reproduce the numbers is recorded with them: sequence length,
 * sample count and seed, and hashes of the data and the questions.
 */
import { progressSpan, type TaskControl } from '../../shared/progress.js';

import { withEngine, withModelFolder, type EngineSettings } from './model-session.js';
import { loadQualityInputs, measureQuality, qualityShape, type QualityOptions } from './quality.js';
import type { EvaluateResult } from '../../shared/evaluation.js';

/** Default tokens per sequence (capped at the model's context). */
export const EVAL_SEQ_LEN = 512;

export interface EvaluateOptions extends QualityOptions, EngineSettings {}

export type { EvaluateResult } from '../../shared/evaluation.js';

export async function evaluateModel(modelDir: string, options: EvaluateOptions, control: TaskControl = {}): Promise<EvaluateResult> {
  const started = performance.now();
  return withModelFolder(modelDir, async (folder) => {
    const inputs = await loadQualityInputs(folder, options, EVAL_SEQ_LEN, progressSpan(control, 0, 0.1, 'Reading data'));
    const job = { ...qualityShape(inputs), work: 'Evaluation' };
    return withEngine(folder, options, job, progressSpan(control, 0.1, 0.2, 'Loading model'), async (engine, memory) => {
      const quality = await measureQuality(engine, inputs, undefined, progressSpan(control, 0.2, 1));
      return {
        ...quality,
        seqLen: inputs.data.seqLen,
        samples: inputs.data.sequences.length,
        seed: inputs.data.seed,
        dataHash: inputs.data.dataHash,
        qaHash: inputs.qaHash,
        model: { dir: folder.dir, layers: folder.description.layers },
        provider: engine.provider,
        threads: engine.threads,
        memory,
        seconds: (performance.now() - started) / 1000,
      };
    });
  });
}
