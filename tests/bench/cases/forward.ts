/**
 * Forward throughput of the ONNX engine on a generated ~30M-parameter Llama (hidden 512, 4
 * layers, MLP 1536, 8 heads, vocab 32000, tied embeddings): engine.run over a batch of 8
 * sequences of 256 tokens (token log-probs, as scoring and evaluation use it), resident and
 * layer-streaming, each measured in a child process of its own so that its peak RSS
 * (process.resourceUsage().maxRSS) is its own. At the engine's default activation budget (1 GiB)
 * the batch's LM-head activations (8 x 256 x 32000 floats, several copies) dwarf the 115 MiB of
 * weights, so both modes run once more with a 64 MiB budget (one sequence per graph call),
 * where what streaming saves shows. Effective GFLOP/s counts 2 flops per
 * multiply-add of the block and head matmuls and the full T x T attention products the graphs
 * compute. The same batched fp32 forward in plain PyTorch ops (tests/bench/torch_forward.py)
 * runs beside it when torch is installed.
 *
 * Run as a child: node --import tsx tests/bench/cases/forward.ts child MODEL_DIR resident|streaming BUDGET_BYTES|default
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { seededUniform } from '../../../src/main/data/hash32.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { modelParameters } from '../../../src/main/model/tensors.js';
import type { ModelDescription } from '../../../src/shared/model.js';

const SHAPE = { layers: 4, hiddenSize: 512, intermediateSize: 1536, heads: 8, vocabSize: 32000 };
const BATCH = 8;
const SEQ_LEN = 256;
/** Timed runs after one warm-up; the best counts, since other processes share the machine. */
const REPEATS = 2;
const SMALL_BUDGET = 64 * 2 ** 20;
const TORCH_TIMEOUT_MS = 180_000;
const PYTHONS = ['python3', '/usr/bin/python3'];

const exec = promisify(execFile);
const thisFile = fileURLToPath(import.meta.url);

interface ChildResult {
  seconds: number[];
  loadSeconds: number;
  maxRssMiB: number;
}

/** Flops of one forward over B sequences of T tokens (2 per multiply-add). */
function forwardFlops(m: ModelDescription, batch: number, seqLen: number): number {
  const tokens = batch * seqLen;
  const H = m.hiddenSize;
  const kv = m.kvHeads * m.headDim;
  const blockMatmuls = H * (m.heads * m.headDim) + 2 * H * kv + m.heads * m.headDim * H + 3 * H * m.intermediateSize;
  const attention = 2 * batch * m.heads * seqLen * seqLen * m.headDim; // QK^T and AV
  return m.layers * (2 * tokens * blockMatmuls + 2 * attention) + 2 * tokens * H * m.vocabSize;
}

async function child(modelDir: string, mode: string, budget: string): Promise<void> {
  const started = performance.now();
  const folder = await ModelFolder.open(modelDir);
  const activationBudgetBytes = budget === 'default' ? undefined : Number(budget);
  const engine = await createForwardEngine(folder, {
    weights: mode === 'streaming' ? 'streamed' : 'resident-f32',
    threads: availableParallelism(),
    activationBudgetBytes,
  });
  const loadSeconds = (performance.now() - started) / 1000;
  const sequences = Array.from({ length: BATCH }, (_, s) => Array.from({ length: SEQ_LEN }, (_, t) => Math.floor(seededUniform(s, t) * SHAPE.vocabSize)));
  await engine.run(sequences); // warm-up: first-call allocations
  const seconds: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    await engine.run(sequences);
    seconds.push((performance.now() - start) / 1000);
  }
  await engine.dispose();
  await folder.close();
  const result: ChildResult = { seconds, loadSeconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(result));
}

async function measure(modelDir: string, mode: 'resident' | 'streaming', budget: number | 'default', flops: number): Promise<Record<string, unknown>> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', thisFile, 'child', modelDir, mode, String(budget)], { maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout) as ChildResult;
  const best = Math.min(...r.seconds);
  return {
    tokensPerSecond: (BATCH * SEQ_LEN) / best,
    effectiveGflops: flops / best / 1e9,
    secondsPerRun: r.seconds,
    loadSeconds: r.loadSeconds,
    peakRssMiB: Math.round(r.maxRssMiB),
  };
}

async function torchReference(): Promise<Record<string, unknown>> {
  for (const python of PYTHONS) {
    const hasTorch = await exec(python, ['-c', 'import torch']).then(
      () => true,
      () => false,
    );
    if (!hasTorch) continue;
    const script = fileURLToPath(new URL('../torch_forward.py', import.meta.url));
    const args = [
      script,
      '--hidden',
      '512',
      '--layers',
      '4',
      '--mlp',
      '1536',
      '--vocab',
      '32000',
      '--heads',
      '8',
      '--seq',
      String(SEQ_LEN),
      '--batch',
      String(BATCH),
    ];
    try {
      const { stdout } = await exec(python, [...args, '--threads', String(availableParallelism()), '--repeats', String(REPEATS)], {
        timeout: TORCH_TIMEOUT_MS,
      });
      return { python, ...JSON.parse(stdout) };
    } catch (e) {
      return { python, error: `did not finish within ${TORCH_TIMEOUT_MS / 1000} s or failed: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return { torch: 'not installed: apt-get install python3-torch' };
}

export async function run(): Promise<Record<string, unknown>> {
  const root = await mkdtemp(join(tmpdir(), 'slayer-bench-forward-'));
  try {
    const modelDir = join(root, 'model');
    const { description } = await generateTestModel(modelDir, { ...SHAPE, tied: true, tokenizer: false, seed: 1 });
    const flops = forwardFlops(description, BATCH, SEQ_LEN);
    const resident = await measure(modelDir, 'resident', 'default', flops);
    const streaming = await measure(modelDir, 'streaming', 'default', flops);
    const residentSmallBatches = await measure(modelDir, 'resident', SMALL_BUDGET, flops);
    const streamingSmallBatches = await measure(modelDir, 'streaming', SMALL_BUDGET, flops);
    const torch = await torchReference();
    const torchTps = typeof torch.tokensPerSecond === 'number' ? torch.tokensPerSecond : null;
    return {
      model: { ...SHAPE, tied: true, parameters: modelParameters(description) },
      batch: BATCH,
      seqLen: SEQ_LEN,
      threads: availableParallelism(),
      gflopPerForward: flops / 1e9,
      resident,
      streaming,
      activationBudget64MiB: { resident: residentSmallBatches, streaming: streamingSmallBatches },
      torch,
      engineVsTorch: torchTps === null ? null : (resident.tokensPerSecond as number) / torchTps,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child' && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await child(process.argv[3], process.argv[4], process.argv[5]);
}
