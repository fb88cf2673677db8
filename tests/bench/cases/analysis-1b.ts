/**
 * The Analyze step at this machine's limit on a 1B-class model: TinyLlama-1.1B's shape (22
 * layers, hidden 2048, MLP 5632, 32 heads with 4 key/value heads, vocabulary 32000, untied head)
 * with random bf16 weights (2.2 GB, generated in a temporary folder and removed afterwards), 8
 * sequences of 128 tokens. fp32 holds the weights as stored and widens one block at a time
 * (2.5 GB instead of 4.4 GB in fp32), as the memory plan chooses below ~5 GB free; the whole
 * `slayer score` jobs are given a 3.5 GB limit so that they choose the same. The same
 * measurements as the analysis case (tests/bench/analysis-bench.ts), without the uncached sweep
 * (23 full passes). Takes 10-30 minutes on a 2-core machine.
 */
import { runAnalysisBench } from '../analysis-bench.js';

export async function run(): Promise<Record<string, unknown>> {
  return runAnalysisBench({
    model: { layers: 22, hiddenSize: 2048, intermediateSize: 5632, heads: 32, kvHeads: 4, vocabSize: 32000, tied: false, dtype: 'bf16' },
    samples: 8,
    seqLen: 128,
    fp32Weights: 'resident-stored',
    repeats: 1,
    uncachedSweep: false,
    quickSweep: false,
    jobMemoryLimitBytes: 3.5 * 2 ** 30,
  });
}
