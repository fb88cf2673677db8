/**
 * The paper's training recipe end to end on tiny generated model folders:
 *   - mixed corpora with general replay: shares recorded, tokens read per source near their
 *     shares, each domain evaluated on its own, stop and resume with the same losses;
 *   - the instruct stage: instruction JSONL through the chat template, loss on responses only,
 *     the S stage's record kept; bad lines and bad weights refused before anything trains;
 *   - LoRA: only adapters train, the merged model reproduces the adapter model's logits
 *     (float64 reference with the adapter path taken literally) to 1e-5, the PEFT folder has
 *     PEFT's keys and config (hand-written expected file), and the per-layer update analysis.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus, saveCorpusReport } from '../../../src/main/data/index.js';
import { createForwardEngine } from '../../../src/main/engine/forward-engine.js';
import { exportModel } from '../../../src/main/export/index.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { ModelFolder } from '../../../src/main/model/folder.js';
import { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import { parseBlockTensorName } from '../../../src/main/model/tensors.js';
import { ADAPTER_FOLDER, readPeftAdapter } from '../../../src/main/train/lora-output.js';
import { trainingEstimate } from '../../../src/main/memory/training.js';
import { train, TrainingStopped, type TrainOptions } from '../../../src/main/train/index.js';
import { isUserError } from '../../../src/shared/errors.js';
import { tempDir } from '../../helpers/tmp.js';
import { float64Weights } from '../engine/reference-loss.js';
import { readModel, tinyModelFolder, writeTokenData } from './helpers.js';
import { referenceLoraLogits, type ReferenceAdapter } from './reference-lora.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('slayer-recipe-'));
});
afterAll(async () => cleanup());

const quiet: Partial<TrainOptions> = { threads: 1, checkpointEvery: 0 };

/** A tiny model with a real (tiny) tokenizer, and two domain corpora built by `slayer corpus`, the first with general text. */
async function corpora(): Promise<{ model: string; code: string; math: string }> {
  const model = join(dir, 'model');
  await generateTestModel(model, { layers: 2, hiddenSize: 16, intermediateSize: 32, heads: 2, vocabSize: 512, maxPositionEmbeddings: 128, seed: 5 });
  const tokenizer = await ModelTokenizer.load(model);
  const docs = async (name: string, lines: string[]) => {
    const folder = join(dir, name);
    await (await import('node:fs/promises')).mkdir(folder, { recursive: true });
    for (const [i, text] of lines.entries()) await writeFile(join(folder, `doc${i}.txt`), text);
    return folder;
  };
  const code = await docs(
    'code-docs',
    Array.from({ length: 12 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i * i}; } // the value of f${i} at ${i} is ${i * i + i * i}`.repeat(3)),
  );
  const math = await docs(
    'math-docs',
    Array.from({ length: 12 }, (_, i) => `Let n = ${i}. Then n squared is ${i * i} and n plus one is ${i + 1}; so (n + 1)^2 = ${(i + 1) ** 2}.`.repeat(3)),
  );
  const general = await docs(
    'general-docs',
    Array.from({ length: 12 }, (_, i) => `The weather on day ${i} was mild, and the people of the town walked to the market to buy bread.`.repeat(3)),
  );
  const build = async (name: string, data: string, withGeneral: boolean) => {
    const out = join(dir, name);
    const report = await buildCorpus({
      data,
      general: withGeneral ? general : null,
      tokenizer,
      cacheRoot: join(dir, 'cache'),
      seqLen: 24,
      seed: 1,
      validationFraction: 0.25,
    });
    await saveCorpusReport(out, report);
    return out;
  };
  return { model, code: await build('code', code, true), math: await build('math', math, false) };
}

describe('mixed corpora with general replay', () => {
  it('mixes code 0.6 and math 0.4 with 5% replay, records it, evaluates each domain, and resumes to the same losses', async () => {
    const { model, code, math } = await corpora();
    const options = (out: string): TrainOptions => ({
      ...quiet,
      data: [
        { name: 'code', data: code, weight: 0.6 },
        { name: 'math', data: math, weight: 0.4 },
      ],
      replay: 0.05,
      out,
      steps: 10,
      batch: 4,
      seqLen: 24,
      lr: 1e-3,
      trainable: [1],
      evalData: [code, math],
      evalEvery: 5,
      checkpointEvery: 4,
    });
    const whole = await train(model, options(join(dir, 'mixed-whole')));
    expect(whole.mixture.sources.map((s) => [s.name, s.weight, +s.share.toFixed(6), s.split])).toEqual([
      ['code', 0.6, 0.57, 'train'],
      ['math', 0.4, 0.38, 'train'],
    ]);
    expect(whole.mixture.replay).toMatchObject({ share: 0.05, split: 'general-train', data: code });
    const read = whole.mixture.tokensRead;
    const total = read.reduce((a, b) => a + b, 0);
    expect(total).toBe(10 * 4 * 24);
    // Within one sequence (24 tokens) of each share.
    [0.57, 0.38, 0.05].forEach((share, k) => expect(Math.abs(read[k] - share * total)).toBeLessThanOrEqual(24));
    expect([...new Set(whole.evals.map((e) => e.name))]).toEqual(['code', 'general', 'math']);
    const record = JSON.parse(await readFile(join(whole.out, 'slayer.json'), 'utf8'));
    expect(record.training.mixture).toEqual(whole.mixture);
    expect(record.training.updates.map((u: { layer: number }) => u.layer)).toEqual([1]);

    const out = join(dir, 'mixed-parts');
    const stop = new AbortController();
    const stopped = await train(model, options(out), { signal: stop.signal, onMetric: (name, step) => name === 'loss' && step === 6 && stop.abort() }).catch(
      (e) => e,
    );
    expect(stopped).toBeInstanceOf(TrainingStopped);
    const resumed = await train(model, { ...options(out), resume: true });
    expect(resumed.resumedFrom).toBe(6);
    expect(resumed.losses).toEqual(whole.losses);
    expect(resumed.mixture.tokensRead).toEqual(whole.mixture.tokensRead);
    // The same checkpoint with other weights is another run.
    const other = await train(model, {
      ...options(out),
      data: [
        { name: 'code', data: code, weight: 0.5 },
        { name: 'math', data: math, weight: 0.5 },
      ],
      resume: true,
    }).catch((e) => e);
    expect(isUserError(other)).toBe(true);
  });

  it('refuses a zero weight, or a replay without general text, before anything trains', async () => {
    const { model, code, math } = await corpora();
    const out = join(dir, 'refused');
    const zero = await train(model, { ...quiet, data: [{ data: code, weight: 0 }], out, steps: 1, seqLen: 24, trainable: [0] }).catch((e) => e);
    expect(zero.message).toMatch(/^The weight of source "code" .* is 0; every source needs a positive weight/);
    const noGeneral = await train(model, { ...quiet, data: math, replay: 0.1, out, steps: 1, seqLen: 24, trainable: [0] }).catch((e) => e);
    expect(noGeneral.message).toMatch(/^A replay share needs general text/);
    expect(await readdir(out).catch(() => [])).not.toContain('config.json');
  });
});

describe('the instruct stage', () => {
  const chat = [
    {
      messages: [
        { role: 'user', content: 'What is two plus two?' },
        { role: 'assistant', content: 'Four.' },
      ],
    },
    { instruction: 'Name a colour.', output: 'Blue.' },
    { prompt: 'Say hello.', completion: 'Hello!' },
    { instruction: 'Count to three.', input: 'Start at one.', output: 'One, two, three.' },
  ];

  it('trains on responses only with the plain template, keeps the S record, and packs or pads as asked', async () => {
    const { model } = await corpora();
    const file = join(dir, 'chat.jsonl');
    await writeFile(file, chat.map((c) => JSON.stringify(c)).join('\n'));
    const run = (packing: 'pack' | 'pad', out: string) =>
      train(model, {
        ...quiet,
        data: file,
        format: 'instruct',
        packing,
        out: join(dir, out),
        steps: 2,
        batch: 2,
        seqLen: 128,
        trainable: [0, 1],
        evalData: [file],
      });
    const packed = await run('pack', 'sft-pack');
    const padded = await run('pad', 'sft-pad');
    expect(packed.format).toBe('instruct');
    expect(packed.instruct!.template.fallback).toBe(true);
    expect(packed.instruct!.examples).toBe(4);
    expect(packed.trainingSequences).toBeLessThan(padded.trainingSequences);
    expect(padded.trainingSequences).toBe(4);
    // Both score the same held-out response tokens at step 0 (same model, same examples, one per sequence).
    expect(packed.evals[0].targets).toBe(packed.instruct!.responseTokens);
    expect(packed.evals[0].loss).toBeCloseTo(padded.evals[0].loss, 5);
    // The instruct stage after the S stage keeps the earlier record.
    const again = await train(join(dir, 'sft-pack'), {
      ...quiet,
      data: file,
      format: 'instruct',
      out: join(dir, 'sft-again'),
      steps: 1,
      seqLen: 128,
      trainable: [0],
    });
    const record = JSON.parse(await readFile(join(again.out, 'slayer.json'), 'utf8'));
    expect(record.training.format).toBe('instruct');
    expect(record.earlierTraining).toHaveLength(1);
    expect(record.earlierTraining[0].format).toBe('instruct');
  });

  it('an empty response or a template with an undefined variable: one line, nothing trained', async () => {
    const { model } = await corpora();
    const bad = join(dir, 'bad-chat.jsonl');
    await writeFile(bad, [JSON.stringify(chat[0]), JSON.stringify({ instruction: 'Hi', output: '' })].join('\n'));
    const out = join(dir, 'sft-refused');
    const empty = await train(model, { ...quiet, data: bad, format: 'instruct', out, steps: 1, seqLen: 128, trainable: [0] }).catch((e) => e);
    expect(empty.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: the response \\("output"\\) is empty`));
    const template = join(dir, 'strict.jinja');
    await writeFile(template, '{% for m in messages %}{{ m.content }}\n{{ separator }}{% endfor %}');
    const undefinedVariable = await train(model, {
      ...quiet,
      data: join(dir, 'chat.jsonl'),
      format: 'instruct',
      template,
      out,
      steps: 1,
      seqLen: 128,
      trainable: [0],
    }).catch((e) => e);
    expect(undefinedVariable.message).toMatch(new RegExp(`^${template.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 2: the chat template uses "separator"`));
    expect(await readdir(out).catch(() => [])).not.toContain('model.safetensors');
  });
});

describe('LoRA', () => {
  it('trains only adapters; the merged model reproduces the adapter model to 1e-5; the PEFT folder is what PEFT writes', async () => {
    const model = await tinyModelFolder(join(dir, 'lora-model'));
    await writeTokenData(join(dir, 'lora.jsonl'), [12, 12, 9, 12, 7, 12], 53, 6);
    const out = join(dir, 'lora-out');
    const lora = { rank: 4, alpha: 8, targets: ['q_proj' as const, 'v_proj' as const, 'down_proj' as const] };
    const result = await train(model.dir, {
      ...quiet,
      data: join(dir, 'lora.jsonl'),
      out,
      steps: 4,
      batch: 3,
      seqLen: 12,
      lr: 0.05,
      optimizer: 'adamw',
      lora,
    });
    const m = model.description;
    expect(result.lora).toEqual({ rank: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'], layers: [0, 1, 2] });
    expect(result.trainableParameters).toBe(3 * 4 * (16 + 16 + (8 + 16) + (32 + 16)));
    expect(result.trainableLayers).toEqual([]);

    const adapter = await readPeftAdapter(join(out, ADAPTER_FOLDER));
    // Keys and config as PEFT 0.20.0 writes them (hand-written from its LoraConfig and save_pretrained).
    const expected = JSON.parse(await readFile(join(import.meta.dirname, 'fixtures', 'peft-0.20.0-adapter_config.json'), 'utf8'));
    expect(Object.keys(adapter.config)).toEqual(Object.keys(expected));
    expect({ ...adapter.config, base_model_name_or_path: '<base>' }).toEqual(expected);
    expect(adapter.config.base_model_name_or_path).toBe(model.dir);
    expect([...adapter.tensors.keys()].sort()).toEqual(
      [0, 1, 2]
        .flatMap((l) =>
          ['self_attn.q_proj', 'self_attn.v_proj', 'mlp.down_proj'].flatMap((p) =>
            ['A', 'B'].map((x) => `base_model.model.model.layers.${l}.${p}.lora_${x}.weight`),
          ),
        )
        .sort(),
    );
    expect(adapter.tensors.get('base_model.model.model.layers.1.mlp.down_proj.lora_A.weight')!.shape).toEqual([4, 32]);
    expect(adapter.tensors.get('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')!.shape).toEqual([16, 4]);

    // Only the adapted weights changed in the merged model.
    const before = await readModel(model.dir);
    const after = await readModel(out);
    for (const [name, bytes] of before.bytes) {
      const adapted = /\.(q_proj|v_proj|down_proj)\.weight$/.test(name);
      expect(after.bytes.get(name)!.equals(bytes), name).toBe(!adapted);
    }

    // The merged model's logits (forward engine) against the adapter model taken literally, in float64.
    const adapters = new Map<string, ReferenceAdapter>();
    for (const [key, t] of adapter.tensors) {
      const prefix = key.replace(/^base_model\.model\./, '').replace(/\.lora_[AB]\.weight$/, '');
      const entry = adapters.get(prefix) ?? ({} as ReferenceAdapter);
      adapters.set(prefix, { ...entry, [key.includes('lora_A') ? 'a' : 'b']: t.values });
    }
    expect([...adapters.values()].some((a) => Array.from(a.b).some((x) => x !== 0))).toBe(true);
    const sequences = [
      [5, 17, 3, 44, 9, 21, 30],
      [1, 2, 3],
    ];
    const merged = await ModelFolder.open(out);
    const engine = await createForwardEngine(merged, { threads: 1 });
    try {
      const logits = await engine.logits(sequences);
      const weights = float64Weights(before.values);
      sequences.forEach((ids, s) => {
        const reference = referenceLoraLogits(m, weights, ids, { rank: 4, scale: 2, adapters }, s);
        let worst = 0;
        reference.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - logits[s][i]))));
        expect(worst).toBeLessThan(1e-5);
      });
    } finally {
      await engine.dispose();
      await merged.close();
    }

    // Per-layer update analysis: dW = s B A measured from the adapter, effective ranks between 1 and r.
    expect(result.updates.map((u) => u.layer)).toEqual([0, 1, 2]);
    for (const u of result.updates) {
      expect(u.effectiveRank).toBeGreaterThanOrEqual(1);
      expect(u.effectiveRank).toBeLessThanOrEqual(4);
      for (const t of u.tensors) {
        const layer = parseBlockTensorName(t.name)!.layer;
        const w0 = before.values.get(t.name)!;
        const w1 = after.values.get(t.name)!;
        let delta = 0;
        let norm = 0;
        w0.forEach((x, i) => ((delta += (w1[i] - x) ** 2), (norm += x * x)));
        expect(layer).toBe(u.layer);
        expect(t.relative!).toBeCloseTo(Math.sqrt(delta / norm), 5);
      }
    }

    // The HF export of the merged model is the merged model.
    const hf = await exportModel(out, { format: 'hf', out: join(dir, 'lora-hf') });
    const exported = await readModel(hf.out);
    for (const [name, bytes] of after.bytes) expect(exported.bytes.get(name)!.equals(bytes), name).toBe(true);
  });

  it('plans its memory before loading: adapters with gradients and AdamW moments, their activations; refused in one line', async () => {
    const m = (await tinyModelFolder(join(dir, 'lora-memory'))).description;
    const shape = { layers: 3, parameters: 1000, trainableParameters: 0, lowestTrainable: 0, batch: 2, seqLen: 8, optimizerStates: 2 };
    const adapters = { parameters: 360, rank: 4, perBlock: 2, inputsPerBlock: 32, dropout: true };
    const plain = trainingEstimate(m, 2, shape, 'resident-f32');
    const adapted = trainingEstimate(m, 2, { ...shape, adapters }, 'resident-f32');
    const part = (e: typeof plain, name: string) => e.parts.find((p) => p.name === name)?.bytes ?? 0;
    expect(part(adapted, 'Trained weights')).toBe(4 * 360);
    expect(part(adapted, 'Gradients')).toBe(4 * 360);
    expect(part(adapted, 'Optimizer')).toBe(8 * 360);
    // 2 x B*T*r per adapter (low-rank activations and their gradients) + 2 x B*T*in of dropout masks.
    expect(part(adapted, 'Adapters')).toBe(4 * (2 * 2 * 8 * 4 * 2 + 2 * 2 * 8 * 32));
    expect(part(adapted, 'Frozen weights')).toBe(part(plain, 'Frozen weights'));
    expect(adapted.totalBytes - plain.totalBytes).toBe(16 * 360 + part(adapted, 'Adapters'));

    const model = await tinyModelFolder(join(dir, 'lora-refused'));
    await writeTokenData(join(dir, 'lora-refused.jsonl'), [12, 12], 53, 1);
    const refused = await train(model.dir, {
      ...quiet,
      data: join(dir, 'lora-refused.jsonl'),
      out: join(dir, 'lora-refused-out'),
      steps: 1,
      seqLen: 12,
      lora: {},
      memoryLimitBytes: 1e6,
    }).catch((e) => e);
    expect(refused.message).toMatch(/^Training would not fit in memory: .* Nothing was loaded\./);
    expect(await readdir(join(dir, 'lora-refused-out')).catch(() => [])).toEqual([]);
  });

  it('refuses a rank larger than the narrowest adapted weight, and an unknown projection', async () => {
    const model = await tinyModelFolder(join(dir, 'lora-bad'));
    await writeTokenData(join(dir, 'lora-bad.jsonl'), [12, 12], 53, 1);
    const run = (lora: TrainOptions['lora']) =>
      train(model.dir, { ...quiet, data: join(dir, 'lora-bad.jsonl'), out: join(dir, 'lora-bad-out'), steps: 1, seqLen: 12, lora }).catch((e) => e);
    expect((await run({ rank: 99 })).message).toMatch(/^The LoRA rank 99 is larger than the narrowest adapted weight \(8\)/);
    expect((await run({ targets: ['w_proj' as never] })).message).toMatch(/^LoRA cannot adapt "w_proj"/);
  });
});
