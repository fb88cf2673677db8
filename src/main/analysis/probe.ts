/**
 * `slayer probe`: the behavioural layer-importance probes of the paper's Figure 2b/2c. For each
 * block i the model runs once with block i dropped (kind "drop") or with an extra block inserted
 * after it (kind "insert", initialised as a copy of i or the average of i and i+1; see
 * probe-layouts.ts), and the quality of each variant is measured like `slayer eval` measures it:
 * held-out perplexity of DATA and, with a QA file, multiple-choice accuracy. The unchanged model
 * is the baseline. The paper's finding: large changes for shallow i, small ones for deep i.
 *
 * The probes run as one sweep (probe-sweep.ts) that starts each probe from the hidden states the
 * baseline left at the changed block, within the memory plan; precision int8 runs the sweep as a
 * quick scan.
 */
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import { PROBE_SAMPLES, PROBE_SEQ_LEN } from '../../shared/commands/probe.js';
import type { ProbeLayer, ProbeMeasure, ProbeResult } from '../../shared/analysis.js';
import { withModelFolder } from '../evaluate/model-session.js';
import { choiceLogLikelihood, multipleChoiceAccuracy } from '../evaluate/multiple-choice.js';
import { perplexityOf } from '../evaluate/perplexity.js';
import { loadQualityInputs, type QualityInputs, type QualityOptions } from '../evaluate/quality.js';
import { sequencesPerChunk } from '../memory/forward.js';
import { noCacheNote } from '../memory/probe-cache.js';
import { withAnalysisEngine, type AnalysisSettings } from './analysis-session.js';
import { probeLayout, type ProbeInit, type ProbeKind } from './probe-layouts.js';
import { probeSweep } from './probe-sweep.js';

const GPU_NO_CACHE_NOTE = 'On the GPU every probe recomputed the blocks before it (the probe cache holds hidden states for the CPU engine only).';

export interface ProbeOptions extends QualityOptions, AnalysisSettings {
  kind: ProbeKind;
  /** How an inserted block starts (default "copy"); not used by "drop". */
  init?: ProbeInit;
  /** Run every probe from the embedding even when the cache fits (tests compare the two). */
  noCache?: boolean;
}

export type { ProbeLayer, ProbeMeasure, ProbeResult } from '../../shared/analysis.js';
export { PROBE_SAMPLES, PROBE_SEQ_LEN };

export async function probeLayers(modelDir: string, options: ProbeOptions, control: TaskControl = {}): Promise<ProbeResult> {
  const started = performance.now();
  const init = options.kind === 'insert' ? (options.init ?? 'copy') : null;
  return withModelFolder(modelDir, async (folder) => {
    const m = folder.description;
    const inputs = await loadQualityInputs(
      folder,
      { ...options, samples: options.samples ?? PROBE_SAMPLES },
      PROBE_SEQ_LEN,
      progressSpan(control, 0, 0.1, 'Reading data'),
    );
    const sequences = [...inputs.data.sequences, ...(inputs.questions?.flatMap((q) => q.choices.map((c) => c.ids)) ?? [])];
    const seqLen = sequences.reduce((n, s) => Math.max(n, s.length), 1);
    const what = options.kind === 'drop' ? 'The drop-one probe' : 'The insert-one probe';
    const job = {
      sequences: sequences.length,
      seqLen,
      meanBlocks: init === 'average',
      probeCache: !options.noCache,
      work: options.precision === 'int8' ? `${what} (quick scan)` : what,
    };
    return withAnalysisEngine(folder, options, job, progressSpan(control, 0.1, 0.2, 'Loading model'), async ({ engine, memory, precision, quick, cache }) => {
      const layouts = Array.from({ length: m.layers }, (_, index) => probeLayout(m.layers, index, options.kind, init ?? 'copy'));
      const sweep = await probeSweep(
        engine,
        sequences,
        {
          layouts: layouts.map((l) => l.blocks),
          chunk: cache?.sequencesPerChunk ?? Math.min(sequences.length, sequencesPerChunk(m, seqLen)),
          cache: cache !== null,
        },
        progressSpan(control, 0.2, 1, 'Probes'),
      );
      const baseline = qualityOf(sweep.baseline, inputs);
      const probed: ProbeLayer[] = layouts.map((layout, index) => ({ index, ...qualityOf(sweep.probes[index], inputs), init: layout.init }));
      const notes = [
        ...(init === 'average' ? [`After the last layer (${m.layers - 1}) there is no next layer to average with: that probe inserts a copy of it.`] : []),
        ...(cache === null && !options.noCache ? [engine.gpu ? GPU_NO_CACHE_NOTE : noCacheNote(m, seqLen)] : []),
        ...(quick?.note ? [`int8 weights ${quick.note}.`] : []),
      ];
      return {
        precision,
        quick,
        cache: cache && { sequencesPerChunk: cache.sequencesPerChunk, bytes: cache.bytes },
        blockRuns: sweep.blockRuns,
        kind: options.kind,
        init,
        layers: probed,
        baseline,
        notes,
        seqLen: inputs.data.seqLen,
        samples: inputs.data.sequences.length,
        seed: inputs.data.seed,
        dataHash: inputs.data.dataHash,
        qaHash: inputs.qaHash,
        tokens: perplexityOf(sweep.baseline.slice(0, inputs.data.sequences.length)).tokens,
        qaItems: inputs.questions?.length ?? null,
        model: { dir: folder.dir, layers: m.layers },
        provider: engine.provider,
        threads: engine.threads,
        memory,
        seconds: (performance.now() - started) / 1000,
      };
    });
  });
}

/** Perplexity of the data sequences and QA accuracy of the choice sequences that follow them. */
function qualityOf(tokenLogProbs: readonly Float32Array[], inputs: QualityInputs): ProbeMeasure {
  const dataCount = inputs.data.sequences.length;
  const perplexity = perplexityOf(tokenLogProbs.slice(0, dataCount));
  let next = dataCount;
  const scores = inputs.questions?.map((q) => q.choices.map((c) => choiceLogLikelihood(tokenLogProbs[next++], c.start)));
  const qa = inputs.questions && scores ? multipleChoiceAccuracy(inputs.questions, scores) : null;
  return { perplexity: perplexity.perplexity, meanNll: perplexity.meanNll, qaAccuracy: qa?.accuracy ?? null, qaAccuracyNorm: qa?.accuracyNorm ?? null };
}
