/**
 * The Analyze step at this machine's limit on the ~30M-parameter bench model of the forward
 * case (hidden 512, 4 layers, MLP 1536, 8 heads, vocabulary 32000, tied embeddings), 64
 * sequences of 128 tokens (the scoring defaults): product peaks, every phase as a share of its
 * peak, quick-scan agreement, the drop-one sweep with and without its cache, whole `slayer score`
 * jobs (tests/bench/analysis-bench.ts). PyTorch's whole-process time for the same forward pass
 * (tests/bench/torch_forward.py) is added when a Python with torch is found.
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { runAnalysisBench } from '../analysis-bench.js';

const exec = promisify(execFile);
const PYTHONS = ['python3', '/usr/bin/python3'];
const SAMPLES = 64;
const SEQ_LEN = 128;

/** `python3 tests/bench/torch_forward.py` as a whole process, timed from outside. */
async function torchWholeProcess(): Promise<Record<string, unknown>> {
  for (const python of PYTHONS) {
    const hasTorch = await exec(python, ['-c', 'import torch']).then(
      () => true,
      () => false,
    );
    if (!hasTorch) continue;
    const args = ['tests/bench/torch_forward.py', '--hidden', '512', '--layers', '4', '--mlp', '1536', '--vocab', '32000', '--heads', '8'];
    const started = performance.now();
    const { stdout } = await exec(
      python,
      [...args, '--seq', String(SEQ_LEN), '--batch', String(SAMPLES), '--threads', String(availableParallelism()), '--repeats', '1'],
      {
        timeout: 600_000,
      },
    );
    return { python, wholeProcessSeconds: (performance.now() - started) / 1000, ...JSON.parse(stdout) };
  }
  return { torch: 'not installed here (python3 -c "import torch" fails; PyPI is not reachable): no PyTorch time to compare with' };
}

export async function run(): Promise<Record<string, unknown>> {
  const result = await runAnalysisBench({
    model: { layers: 4, hiddenSize: 512, intermediateSize: 1536, heads: 8, vocabSize: 32000, tied: true },
    samples: SAMPLES,
    seqLen: SEQ_LEN,
    fp32Weights: 'resident-f32',
    repeats: 2,
    uncachedSweep: true,
    quickSweep: true,
  });
  return { ...result, torch: await torchWholeProcess() };
}
