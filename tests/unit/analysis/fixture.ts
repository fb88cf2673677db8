/**
 * Shared fixtures for the analysis and evaluation tests: model folders whose weights are large
 * enough that every block visibly changes its input (so angles are far from float32's rounding
 * floor near cos = 1), and float64 reference runs over them with any block sequence. The
 * reference forward pass is the engine tests' own (tests/unit/engine/reference-forward.ts).
 */
import { writeFile } from 'node:fs/promises';
import type { BlockSource } from '../../../src/main/engine/forward-engine.js';
import { generateTestModel } from '../../../src/tooling/test-model.js';
import { SafetensorsWriter } from '../../../src/main/model/safetensors-writer.js';
import { blockTensorName, blockTensorSpecs, modelTensorSpecs } from '../../../src/main/model/tensors.js';
import type { ModelTokenizer } from '../../../src/main/model/tokenizer.js';
import type { ModelDescription } from '../../../src/shared/model.js';
import { randomModel, type MemoryModel } from '../engine/random-model.js';
import { referenceCosines, referenceForward, referenceTokenLogProbs } from '../engine/reference-forward.js';

export interface FixtureOptions {
  layers: number;
  seed: number;
  /** Blocks made exact identities: o_proj and down_proj zero, so they add nothing to the residual stream. */
  identityBlocks?: number[];
  maxPositionEmbeddings?: number;
  tokenizerText?: string;
}

/** Writes a model folder (config, tokenizer, f32 weights) and returns its weights in memory too. */
export async function writeFixtureModel(dir: string, o: FixtureOptions): Promise<MemoryModel> {
  const { description } = await generateTestModel(dir, {
    layers: o.layers,
    hiddenSize: 32,
    intermediateSize: 48,
    heads: 4,
    kvHeads: 2,
    vocabSize: 360,
    seed: o.seed,
    maxPositionEmbeddings: o.maxPositionEmbeddings,
    tokenizerText: o.tokenizerText,
  });
  const model = randomModel(description, o.seed);
  for (const layer of o.identityBlocks ?? []) {
    for (const suffix of ['self_attn.o_proj.weight', 'mlp.down_proj.weight']) model.tensors.get(blockTensorName(layer, suffix))!.fill(0);
  }
  const specs = modelTensorSpecs(description);
  const writer = await SafetensorsWriter.create(
    dir,
    specs.map((s) => ({ name: s.name, dtype: 'F32', shape: s.shape })),
  );
  for (const s of specs) await writer.writeTensor(s.name, model.tensors.get(s.name)!);
  await writer.finish();
  return model;
}

export async function writeInputIds(file: string, sequences: readonly (readonly number[])[]): Promise<void> {
  await writeFile(file, sequences.map((ids) => JSON.stringify({ input_ids: ids })).join('\n') + '\n');
}

export function allLayers(m: ModelDescription): number[] {
  return Array.from({ length: m.layers }, (_, i) => i);
}

/** A block's weights by suffix; { mean } sources averaged element-wise in float64. */
function blockWeights(model: MemoryModel, source: BlockSource): Map<string, Float32Array> {
  const layers = typeof source === 'number' ? [source] : source.mean;
  return new Map(
    blockTensorSpecs(model.description).map((s) => {
      const parts = layers.map((l) => model.tensors.get(blockTensorName(l, s.name))!);
      return [s.name, parts[0].map((_, i) => parts.reduce((sum, p) => sum + p[i], 0) / parts.length)];
    }),
  );
}

export interface ReferenceRun {
  /** log p(ids[t+1] | ids[..t]) */
  logProbs: number[];
  /** Hidden state entering each block of the sequence, then the last block's output. */
  states: Float64Array[];
}

export function referenceRun(model: MemoryModel, ids: readonly number[], sources: readonly BlockSource[] = allLayers(model.description)): ReferenceRun {
  const m = model.description;
  const { logits, states } = referenceForward(
    m,
    model.tensors,
    sources.map((s) => blockWeights(model, s)),
    ids,
  );
  return { logProbs: referenceTokenLogProbs(logits, ids, m.vocabSize), states };
}

/** Angular distance and Block Influence per block, straight from the definitions, over float64 states. */
/** Per start k, the statistics of h_k against h_{k+span} (span 1: one block). */
export function referenceScores(
  m: ModelDescription,
  runs: readonly ReferenceRun[],
  span = 1,
): { angularLast: number; angularMean: number; blockInfluence: number }[] {
  const blocks = runs[0].states.length - 1;
  return Array.from({ length: blocks - span + 1 }, (_, k) => {
    let last = 0;
    let angle = 0;
    let cosine = 0;
    let tokens = 0;
    for (const run of runs) {
      const cos = referenceCosines(run.states[k], run.states[k + span], m.hiddenSize);
      const angles = cos.map((c) => Math.acos(Math.min(1, Math.max(-1, c))) / Math.PI);
      last += angles[angles.length - 1];
      angle += angles.reduce((a, b) => a + b, 0);
      cosine += cos.reduce((a, b) => a + b, 0);
      tokens += cos.length;
    }
    return { angularLast: last / runs.length, angularMean: angle / tokens, blockInfluence: 1 - cosine / tokens };
  });
}

export function referencePerplexity(
  model: MemoryModel,
  sequences: readonly (readonly number[])[],
  sources?: readonly BlockSource[],
): { meanNll: number; perplexity: number; tokens: number } {
  const logProbs = sequences.flatMap((ids) => referenceRun(model, ids, sources).logProbs);
  const meanNll = -logProbs.reduce((a, b) => a + b, 0) / logProbs.length;
  return { meanNll, perplexity: Math.exp(meanNll), tokens: logProbs.length };
}

export interface QaQuestion {
  question: string;
  choices: string[];
  answer: number;
}

/**
 * Multiple-choice accuracy the plain way: context "Question: q\nAnswer:" and continuation
 * " choice" tokenised on their own (BOS first, as the tokenizer asks), the choice scored by the
 * sum of the reference log-probs of its tokens; argmax, and argmax per character of the choice.
 * The test tokenizers never merge across the space, which this checks.
 */
export function referenceQaAccuracy(
  model: MemoryModel,
  tokenizer: ModelTokenizer,
  items: readonly QaQuestion[],
  sources?: readonly BlockSource[],
): { accuracy: number; accuracyNorm: number } {
  const bos = tokenizer.addBos ? [tokenizer.bosId!] : [];
  let correct = 0;
  let correctNorm = 0;
  for (const item of items) {
    const context = `Question: ${item.question}\nAnswer:`;
    const contextIds = [...bos, ...tokenizer.encode(context, { addSpecial: false })];
    const scores = item.choices.map((choice) => {
      const whole = [...bos, ...tokenizer.encode(`${context} ${choice}`, { addSpecial: false })];
      if (whole.slice(0, contextIds.length).some((id, i) => id !== contextIds[i])) throw new Error('the test tokenizer merged across the context boundary');
      return referenceRun(model, whole, sources)
        .logProbs.slice(contextIds.length - 1)
        .reduce((a, b) => a + b, 0);
    });
    const best = (values: number[]) => values.indexOf(Math.max(...values));
    if (best(scores) === item.answer) correct++;
    if (best(scores.map((s, k) => s / [...item.choices[k]].length)) === item.answer) correctNorm++;
  }
  return { accuracy: correct / items.length, accuracyNorm: correctNorm / items.length };
}
