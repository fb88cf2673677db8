/**
 * `slayer probe`: the behavioural layer-importance probes of the paper's Figure 2b/2c. For each
 * block i the model runs once with block i dropped (kind "drop") or with an extra block inserted
 * after it (kind "insert", initialised as a copy of i or the average of i and i+1; see
 * probe-layouts.ts), and the quality of each variant is measured like `slayer eval` measures it:
 * held-out perplexity of DATA and, with a QA file, multiple-choice accuracy. The unchanged model
 * is the baseline. The paper's finding: large changes for shallow i, small ones for deep i.
 */
import { progressSpan, type TaskControl } from '../../shared/progress.js';

import { withEngine, withModelFolder, type EngineSettings } from '../evaluate/model-session.js';
import { loadQualityInputs, measureQuality, qualityShape, type Quality, type QualityOptions } from '../evaluate/quality.js';
import { probeLayout, type ProbeInit, type ProbeKind } from './probe-layouts.js';
import type { ProbeLayer, ProbeMeasure, ProbeResult } from '../../shared/analysis.js';

/** Defaults as for scoring: every probe runs the whole set once, layers + 1 times in all. */
export const PROBE_SEQ_LEN = 128;
export const PROBE_SAMPLES = 64;

export interface ProbeOptions extends QualityOptions, EngineSettings {
  kind: ProbeKind;
  /** How an inserted block starts (default "copy"); not used by "drop". */
  init?: ProbeInit;
}

export type { ProbeLayer, ProbeMeasure, ProbeResult } from '../../shared/analysis.js';

export async function probeLayers(modelDir: string, options: ProbeOptions, control: TaskControl = {}): Promise<ProbeResult> {
  const started = performance.now();
  const init = options.kind === 'insert' ? (options.init ?? 'copy') : null;
  return withModelFolder(modelDir, async (folder) => {
    const layers = folder.description.layers;
    const inputs = await loadQualityInputs(
      folder,
      { ...options, samples: options.samples ?? PROBE_SAMPLES },
      PROBE_SEQ_LEN,
      progressSpan(control, 0, 0.1, 'Reading data'),
    );
    const job = { ...qualityShape(inputs), meanBlocks: init === 'average', work: options.kind === 'drop' ? 'The drop-one probe' : 'The insert-one probe' };
    return withEngine(folder, options, job, progressSpan(control, 0.1, 0.2, 'Loading model'), async (engine, memory) => {
      const runs = layers + 1;
      const stage = (k: number, label: string) => progressSpan(control, 0.2 + (0.8 * k) / runs, 0.2 + (0.8 * (k + 1)) / runs, label);
      const baseline = await measureQuality(engine, inputs, undefined, stage(0, 'Baseline'));
      const probed: ProbeLayer[] = [];
      for (let index = 0; index < layers; index++) {
        const layout = probeLayout(layers, index, options.kind, init ?? 'copy');
        const what = options.kind === 'drop' ? `Without layer ${index}` : `Extra layer after ${index}`;
        const quality = await measureQuality(engine, inputs, layout.blocks, stage(index + 1, what));
        probed.push({ index, ...measureOf(quality), init: layout.init });
      }
      const notes = init === 'average' ? [`After the last layer (${layers - 1}) there is no next layer to average with: that probe inserts a copy of it.`] : [];
      return {
        kind: options.kind,
        init,
        layers: probed,
        baseline: measureOf(baseline),
        notes,
        seqLen: inputs.data.seqLen,
        samples: inputs.data.sequences.length,
        seed: inputs.data.seed,
        dataHash: inputs.data.dataHash,
        qaHash: inputs.qaHash,
        tokens: baseline.tokens,
        qaItems: baseline.qa?.items ?? null,
        model: { dir: folder.dir, layers },
        provider: engine.provider,
        threads: engine.threads,
        memory,
        seconds: (performance.now() - started) / 1000,
      };
    });
  });
}

function measureOf(q: Quality): ProbeMeasure {
  return { perplexity: q.perplexity, meanNll: q.meanNll, qaAccuracy: q.qa?.accuracy ?? null, qaAccuracyNorm: q.qa?.accuracyNorm ?? null };
}
