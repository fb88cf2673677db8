/**
 * The held-out text a run is evaluated on. A corpus built by `slayer corpus` brings two sets,
 * its validation documents ("domain") and its general-text holdout ("general", the forgetting
 * check), split with the corpus's own recorded settings so that no training document leaks in.
 * A plain file or folder is one set named after it.
 */
import { basename, extname } from 'node:path';
import type { TaskControl } from '../../shared/progress.js';
import { loadSequences, openBuiltCorpus, type CorpusSplit } from '../data/index.js';
import type { ModelTokenizer } from '../model/tokenizer.js';

export interface EvalSet {
  name: string;
  sequences: Int32Array[];
  dataHash: string;
}

export interface EvalSetOptions {
  seqLen: number;
  vocabSize: number;
  /** Sequences sampled from each set. */
  samples: number;
  seed: number;
}

const BUILT_CORPUS_SETS: { split: CorpusSplit; name: string }[] = [
  { split: 'validation', name: 'domain' },
  { split: 'general-validation', name: 'general' },
];

export async function loadEvalSets(paths: readonly string[], tokenizer: ModelTokenizer | null, o: EvalSetOptions, control: TaskControl): Promise<EvalSet[]> {
  const sets: EvalSet[] = [];
  const load = async (name: string, path: string, split?: CorpusSplit) => {
    const loaded = await loadSequences(
      path,
      tokenizer,
      { seqLen: o.seqLen, samples: o.samples, seed: o.seed, vocabSize: o.vocabSize, split },
      { signal: control.signal },
    );
    sets.push({ name, sequences: loaded.sequences, dataHash: loaded.dataHash });
  };
  for (const path of paths) {
    const built = await openBuiltCorpus(path);
    if (!built) {
      await load(basename(path, extname(path)) || path, path);
      continue;
    }
    for (const { split, name } of BUILT_CORPUS_SETS) {
      const tokens = built.report.split[split].tokens;
      if (tokens >= o.seqLen) await load(name, path, split);
      else if (tokens > 0) control.onLog?.(`Not evaluating on the ${split} part of ${path}: its ${tokens} tokens are less than one sequence of ${o.seqLen}.`);
    }
  }
  return sets;
}
