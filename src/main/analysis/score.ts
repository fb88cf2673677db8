/**
 * `slayer score`: the importance of every block, measured on calibration sequences from the
 * corpus (docs/s-strategy.md, "Measuring layers"). With h_i the raw hidden state entering block i and
 * h_{i+1} its raw output (no final norm):
 *   angularLast    = mean over sequences of arccos(cos(h_i, h_{i+1})) / pi at the last token
 *   angularMean    = the same angle, averaged over every token of every sequence
 *   blockInfluence = 1 - mean over every token of cos(h_i, h_{i+1})          (ShortGPT)
 * Small values mark blocks that change their input little. With spans, the same three numbers
 * between h_l and h_{l+n} for every start l: what deleting the run l .. l+n-1 would skip (the
 * gromov prune rule reads them). The seed, sequence length, sample count, data hash and precision
 * (fp32, or int8 for a quick scan) are recorded so the scores can be reproduced. Scores need no
 * LM head: the engine stops after the last block.
 */
import { UserError } from '../../shared/errors.js';
import type { LayerScore } from '../../shared/plan.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import type { BlockStats } from '../engine/forward-engine.js';
import { runInChunks } from '../evaluate/chunked-run.js';
import { loadModelData, optionalTokenizer, type DataOptions } from '../evaluate/model-data.js';
import { withModelFolder } from '../evaluate/model-session.js';
import { defaultPruneCount } from '../plan/s-strategy.js';
import { withAnalysisEngine, type AnalysisSettings } from './analysis-session.js';
import type { ScoreResult } from '../../shared/analysis.js';

/** Calibration defaults (docs/cli.md): 64 sequences of 128 tokens, seed 0. */
export { SCORE_SAMPLES, SCORE_SEQ_LEN } from '../../shared/commands/score.js';
import { SCORE_SAMPLES, SCORE_SEQ_LEN } from '../../shared/commands/score.js';

export interface ScoreOptions extends Omit<DataOptions, 'data'>, AnalysisSettings {
  /**
   * Run lengths n >= 2 to measure d(h_l, h_{l+n}) for. Default: the number of layers the S plan
   * deletes on this model by default, when that is 2 or more (1 is the single-layer scores).
   */
  spans?: number[];
}

export function defaultSpans(layers: number): number[] {
  const deleted = defaultPruneCount(layers);
  return deleted >= 2 ? [deleted] : [];
}

export type { ScoreResult } from '../../shared/analysis.js';

export async function scoreLayers(modelDir: string, dataPath: string, options: ScoreOptions = {}, control: TaskControl = {}): Promise<ScoreResult> {
  const started = performance.now();
  return withModelFolder(modelDir, async (folder) => {
    const layers = folder.description.layers;
    const spans = options.spans ?? defaultSpans(layers);
    for (const n of spans) {
      if (!Number.isInteger(n) || n < 2 || n > layers) throw new UserError(`--spans takes run lengths from 2 to ${layers} (the model's layers), got ${n}.`);
    }
    const samples = options.samples ?? SCORE_SAMPLES;
    const data = await loadModelData(
      folder,
      await optionalTokenizer(folder),
      { ...options, data: dataPath, samples },
      SCORE_SEQ_LEN,
      progressSpan(control, 0, 0.1, 'Reading data'),
    );
    if (data.sequences.length < samples) {
      control.onLog?.(`${dataPath} gives ${data.sequences.length} sequences of ${data.seqLen} tokens; scoring all of them.`);
    }
    const job = {
      sequences: data.sequences.length,
      seqLen: data.seqLen,
      spans: Math.max(0, ...spans),
      statsOnly: true,
      work: options.precision === 'int8' ? 'A quick scan' : 'Scoring',
    };
    return withAnalysisEngine(folder, options, job, progressSpan(control, 0.1, 0.2, 'Loading model'), async ({ engine, memory, precision, quick }) => {
      const result = await runInChunks(engine, data.sequences, { collectStats: true, skipHead: true, spans }, progressSpan(control, 0.2, 1), 'Scoring');
      const entries = (stats: BlockStats[]): LayerScore[] =>
        stats.map((s, index) => ({ index, angularLast: s.angularLast, angularMean: s.angularMean, blockInfluence: s.blockInfluence }));
      return {
        precision,
        quick,
        layers: entries(result.stats!),
        ...(result.spans?.length ? { spans: result.spans.map((s) => ({ span: s.span, layers: entries(s.stats) })) } : {}),
        samples: data.sequences.length,
        seqLen: data.seqLen,
        seed: data.seed,
        dataHash: data.dataHash,
        tokens: data.tokens,
        model: { dir: folder.dir, layers },
        provider: engine.provider,
        threads: engine.threads,
        memory,
        seconds: (performance.now() - started) / 1000,
      };
    });
  });
}
