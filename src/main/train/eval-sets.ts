/**
 * The held-out text a run is evaluated on. A corpus built by `slayer corpus` brings two sets,
 * its validation documents ("domain") and its general-text holdout ("general", the forgetting
 * check), split with the corpus's own recorded settings so that no training document leaks in.
 * When several built corpora are evaluated (a mixture), each domain set takes the name of its
 * source (code, math), so every domain is reported on its own; the general holdout is measured
 * once. A plain file or folder is one set named after it. In an instruct run the held-out files
 * are instruction examples, one per sequence, scored on their response tokens only.
 */
import { basename, extname, resolve } from 'node:path';
import type { TaskControl } from '../../shared/progress.js';
import { loadSequences, openBuiltCorpus, type CorpusSplit } from '../data/index.js';
import { loadChatTemplate } from '../data/chat-template.js';
import { loadInstructionSequences } from '../data/instruction-sequences.js';
import { readMixtureFile } from '../data/mixed-corpus.js';
import type { SequenceLayout } from '../engine/training-engine.js';
import type { ModelTokenizer } from '../model/tokenizer.js';

export interface EvalSet {
  name: string;
  sequences: Int32Array[];
  /** Instruction examples: their loss masks. */
  layouts?: SequenceLayout[];
  dataHash: string;
}

export interface EvalSetOptions {
  seqLen: number;
  vocabSize: number;
  /** Sequences sampled from each set. */
  samples: number;
  seed: number;
  /** Instruction data, rendered with this model's template (or the given file). */
  instruct?: { modelDir: string; template: string | null } | null;
  /** Names of the training sources by path, so that a source's validation set carries its name. */
  names?: readonly { data: string; name: string }[];
}

export async function loadEvalSets(paths: readonly string[], tokenizer: ModelTokenizer | null, o: EvalSetOptions, control: TaskControl): Promise<EvalSet[]> {
  const sets: EvalSet[] = [];
  const plainName = (path: string) => basename(path, extname(path)) || path;
  if (o.instruct && paths.length > 0) {
    const template = await loadChatTemplate(o.instruct.modelDir, o.instruct.template);
    for (const path of paths) {
      const read = await loadInstructionSequences(
        path,
        tokenizer!,
        template,
        { seqLen: o.seqLen, packing: 'pad', vocabSize: o.vocabSize },
        { signal: control.signal },
      );
      sets.push({ name: plainName(path), sequences: read.sequences, layouts: read.layouts, dataHash: read.dataHash });
    }
    return sets;
  }
  const load = async (name: string, path: string, split?: CorpusSplit) => {
    const loaded = await loadSequences(
      path,
      tokenizer,
      { seqLen: o.seqLen, samples: o.samples, seed: o.seed, vocabSize: o.vocabSize, split },
      { signal: control.signal },
    );
    sets.push({ name, sequences: loaded.sequences, dataHash: loaded.dataHash });
  };
  // A corpus of several sources stands for each of them.
  const expanded: string[] = [];
  for (const path of paths) {
    const mixture = await readMixtureFile(path);
    expanded.push(...(mixture ? mixture.sources.map((s) => s.path) : [path]));
  }
  const names = [
    ...(o.names ?? []),
    ...(await Promise.all(paths.map(readMixtureFile))).flatMap((m) => m?.sources.map((s) => ({ data: s.path, name: s.name })) ?? []),
  ];
  const built = await Promise.all(expanded.map(async (path) => ({ path, corpus: await openBuiltCorpus(path) })));
  const several = built.filter((b) => b.corpus).length > 1;
  let general = false;
  for (const { path, corpus } of built) {
    if (!corpus) {
      await load(plainName(path), path);
      continue;
    }
    const domainName = several ? (names.find((n) => resolve(n.data) === resolve(path))?.name ?? plainName(path)) : 'domain';
    for (const { split, name } of [
      { split: 'validation' as const, name: domainName },
      { split: 'general-validation' as const, name: 'general' },
    ]) {
      if (split === 'general-validation' && general) continue;
      const tokens = corpus.report.split[split].tokens;
      if (tokens >= o.seqLen) {
        await load(name, path, split);
        if (split === 'general-validation') general = true;
      } else if (tokens > 0) control.onLog?.(`Not evaluating on the ${split} part of ${path}: its ${tokens} tokens are less than one sequence of ${o.seqLen}.`);
    }
  }
  return sets;
}
