/**
 * The training recipe's costs on the train benchmark's model (a generated ~60M-parameter Llama:
 * hidden 512, 8 layers, MLP 1536, vocabulary 32000), each run as a user runs it (`slayer train` /
 * `slayer sft` in a child process, peak RSS measured by tests/bench/measure.ts), batch 4:
 *
 *   s            the S plan's blocks (the train benchmark's run), sequences of 256
 *   lora         LoRA rank 8 on q_proj and v_proj of every block, same data
 *   full         full fine-tuning (every tensor), same data
 *   mixed        the S plan on two sources 0.6 / 0.4 with 5 % replay (the mixing's own overhead)
 *   sft-pack     instruction examples of 40-200 tokens packed into sequences of 512 (block-diagonal mask)
 *   sft-pad      the same examples one per sequence, padded per batch
 *
 * Reported per run: tokens/s over the run's steps (real tokens, padding excluded), the best
 * step's tokens/s, trainable parameters, peak RSS; for SFT also the steps and the answer tokens.
 * One round each: this measures the recipe's relative costs, not the engine (see `train`).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { makePlan } from '../../../src/main/plan/index.js';
import { applyPlan } from '../../../src/main/surgery/index.js';
import type { TrainRunResult } from '../../../src/main/train/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { runMeasured } from '../measure.js';

const SHAPE = { hiddenSize: 512, layers: 8, intermediateSize: 1536, heads: 8, vocabSize: 32000 };
const SEQ_LEN = 256;
const BATCH = 4;
const STEPS = 3;

export async function run(): Promise<Record<string, unknown>> {
  const { dir, cleanup } = await tempDir('slayer-bench-recipe-');
  try {
    const base = await generateTestModel(join(dir, 'base'), { ...SHAPE, kvHeads: SHAPE.heads, maxPositionEmbeddings: 1024, seed: 1 });
    const applied = await applyPlan(base.dir, makePlan(base.description, { strategy: 's' }), join(dir, 's'));
    const ids = (s: number) => Array.from({ length: SEQ_LEN }, (_, i) => (i * 7919 + s * 104729) % SHAPE.vocabSize);
    const lines = (n: number, from: number) => Array.from({ length: n }, (_, s) => JSON.stringify({ input_ids: ids(from + s) })).join('\n');
    await writeFile(join(dir, 'code.jsonl'), lines(BATCH * STEPS, 0));
    await writeFile(join(dir, 'math.jsonl'), lines(BATCH * STEPS, 100));
    await writeFile(join(dir, 'general.jsonl'), lines(BATCH * STEPS, 200));
    // Instruction examples of varied length: prompts of 10-60 words, answers of 20-120 words.
    const words = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => ['the', 'model', 'reads', 'code', 'and', 'math', 'answers', 'well'][(i * 7 + seed) % 8]).join(' ');
    const examples = Array.from({ length: 48 }, (_, k) =>
      JSON.stringify({ instruction: words(10 + ((k * 13) % 50), k), output: words(20 + ((k * 29) % 100), k + 3) }),
    );
    await writeFile(join(dir, 'chat.jsonl'), examples.join('\n'));
    const threads = String(availableParallelism());
    const common = ['--batch', String(BATCH), '--checkpoint-every', '0', '--threads', threads, '--json'];

    const measure = async (name: string, args: string[]) => {
      const r = await runMeasured('node', ['bin/slayer.js', ...args, '--out', join(dir, `out-${name}`), ...common]);
      if (r.code !== 0) return { error: r.stderr.trim().split('\n').pop() };
      const result = JSON.parse(r.stdout) as TrainRunResult;
      const record = JSON.parse(await readFile(join(result.out, 'slayer.json'), 'utf8')).training as {
        history: { steps: { tokens: number; seconds: number }[] };
      };
      return {
        tokensPerSecond: Math.round(result.tokensPerSecond),
        bestStepTokensPerSecond: Math.round(Math.max(...record.history.steps.map((s) => s.tokens / s.seconds))),
        trainableParameters: result.trainableParameters,
        steps: result.steps,
        sequences: result.trainingSequences,
        ...(result.instruct ? { answerTokens: result.instruct.responseTokens, tokens: result.instruct.tokens } : {}),
        peakRssBytes: r.peakRssBytes,
      };
    };
    const steps = ['--steps', String(STEPS), '--seq-len', String(SEQ_LEN)];
    return {
      model: { shape: SHAPE, seqLen: SEQ_LEN, batch: BATCH, steps: STEPS, threads: Number(threads) },
      s: await measure('s', ['train', applied.out, '--data', join(dir, 'code.jsonl'), ...steps]),
      lora: await measure('lora', ['train', base.dir, '--data', join(dir, 'code.jsonl'), '--lora', ...steps]),
      full: await measure('full', ['train', base.dir, '--data', join(dir, 'code.jsonl'), '--trainable', 'all', ...steps]),
      mixed: await measure('mixed', [
        'train',
        applied.out,
        '--data',
        `code=${join(dir, 'code.jsonl')}:0.6`,
        '--data',
        `math=${join(dir, 'math.jsonl')}:0.4`,
        '--replay',
        '0.05',
        '--replay-data',
        join(dir, 'general.jsonl'),
        ...steps,
      ]),
      sftPack: await measure('sft-pack', ['sft', applied.out, '--data', join(dir, 'chat.jsonl'), '--packing', 'pack', '--seq-len', '512']),
      sftPad: await measure('sft-pad', ['sft', applied.out, '--data', join(dir, 'chat.jsonl'), '--packing', 'pad', '--seq-len', '512']),
    };
  } finally {
    await cleanup();
  }
}
