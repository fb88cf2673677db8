/**
 * Function check, run on every surgery: the new model must compute exactly what the plan says.
 *
 * The plan composes the base model's layers: kept layers in their order, deleted ones skipped,
 * a refreshed layer as the element-wise mean of its sources, and new blocks whose residual
 * outputs (o_proj, down_proj and their biases) are zero. A pre-norm block computes
 * h + attn(norm(h)) + mlp(norm(...)); with those tensors at zero both branches add exactly 0,
 * so a new block is the identity and the new model's logits must equal those of
 *
 *   the reference: the base model run through the same composition without the new blocks
 *                  (the forward engine's block sequence, with { mean: [...] } for refreshed layers).
 *
 * Two comparisons, on a few short fixed token sequences, each model streamed one block at a time:
 *   newBlocks    the new model with and without its new blocks: exact for any storage format,
 *                so it catches a new block that is not an identity (a non-zero o_proj, an o_proj
 *                bias copied from its source) even where the second comparison must be looser;
 *   composition  the new model against the reference. Means are computed in fp32 by both the
 *                engine and the surgery, and the surgery stores its mean in the model's format:
 *                for a 16-bit format the stored mean is rounded, so the tolerance grows with that
 *                format's rounding (a wrong layer moves logits by far more).
 * Tolerances are relative to the largest reference logit, so they mean the same for any scale.
 */
import { layerList } from '../../shared/layer-words.js';
import type { ModelDescription } from '../../shared/model.js';
import { keepsBaseFunction, type Plan } from '../../shared/plan.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import type { CheckedFunction, ComparedLogits } from '../../shared/surgery.js';
import type { BlockSource } from '../engine/forward-engine.js';
import { withEngine } from '../evaluate/model-session.js';
import { ModelFolder } from '../model/folder.js';
import { deriveSeed } from '../data/hash32.js';
import { blockTensorName } from '../model/tensors.js';

export type { CheckedFunction, ComparedLogits, FunctionCheck } from '../../shared/surgery.js';

/** float32 reordering between two runs of the same computation. */
const RELATIVE_TOLERANCE = 1e-5;
/**
 * Unit roundoff of the 16-bit formats a refreshed mean may be stored in; the composition allows
 * 4 of them relative to the largest logit (1.6 % for bf16, 0.2 % for f16). Measured on a generated
 * 8-layer bf16 model: 0.03 %; the same refreshed layer written as a copy instead of the mean: 15 %.
 */
const ROUNDED_MEAN_UNITS = 4;
const UNIT_ROUNDOFF: Record<string, number> = { BF16: 2 ** -8, F16: 2 ** -11 };
/** Lengths of the check's sequences: different lengths also exercise padding in a batch. */
const SEQUENCE_LENGTHS = [16, 9, 3];
const SEQUENCE_SEED = 5;

/** Fixed token ids spread over the whole vocabulary, the same for every run of a model. */
export function checkSequences(m: ModelDescription): number[][] {
  return SEQUENCE_LENGTHS.map((length, s) =>
    Array.from({ length: Math.min(length, m.maxPositionEmbeddings) }, (_, t) => deriveSeed(SEQUENCE_SEED, `${s}:${t}`) % m.vocabSize),
  );
}

/** The base model's blocks that the new model is made of, in order, without the new blocks. */
export function referenceComposition(plan: Plan): BlockSource[] {
  return plan.layers.filter((l) => l.kind !== 'new').map((l) => (l.init.from.length === 1 ? l.init.from[0] : { mean: l.init.from }));
}

/** The reference in words: "the base model", or what the plan changed in it. */
export function describeReference(plan: Plan): string {
  const parts: string[] = [];
  if (plan.removed.length) parts.push(`without ${layerList(plan.removed)}`);
  for (const l of plan.layers) {
    if (l.kind !== 'new' && l.init.from.length > 1) parts.push(`with layer ${l.init.from[0]} as the mean of ${layerList(l.init.from)}`);
  }
  return keepsBaseFunction(plan) ? 'the base model' : `the base model ${parts.join(', ')}`;
}

export async function checkFunction(base: ModelFolder, newModelDir: string, plan: Plan, control: TaskControl = {}): Promise<CheckedFunction> {
  const sequences = checkSequences(base.description);
  const expected = await logitsOf(base, sequences, referenceComposition(plan), progressSpan(control, 0, 1 / 3, 'Function check, base model'));
  const hasNew = plan.layers.some((l) => l.kind === 'new');
  const created = await ModelFolder.open(newModelDir);
  let actual: Float32Array[];
  let withoutNew: Float32Array[] | null = null;
  let roundoff: number;
  try {
    actual = await logitsOf(created, sequences, undefined, progressSpan(control, 1 / 3, hasNew ? 2 / 3 : 1, 'Function check, new model'));
    if (hasNew) {
      const kept = plan.layers.filter((l) => l.kind !== 'new').map((l) => l.index);
      withoutNew = await logitsOf(created, sequences, kept, progressSpan(control, 2 / 3, 1, 'Function check, new model without its new blocks'));
    }
    roundoff = storedMeanRoundoff(created, plan);
  } finally {
    await created.close();
  }

  const scale = Math.max(1, largestMagnitude(expected));
  const compare = (a: Float32Array[], b: Float32Array[], relative: number): ComparedLogits => {
    const maxAbsDiff = largestDifference(a, b);
    const tolerance = relative * scale;
    return { maxAbsDiff, tolerance, passed: maxAbsDiff <= tolerance };
  };
  const composition = compare(actual, expected, Math.max(RELATIVE_TOLERANCE, ROUNDED_MEAN_UNITS * roundoff));
  const newBlocks = withoutNew && compare(actual, withoutNew, RELATIVE_TOLERANCE);
  return {
    checked: true,
    passed: composition.passed && (newBlocks?.passed ?? true),
    maxAbsDiff: composition.maxAbsDiff,
    tolerance: composition.tolerance,
    newBlocks,
    reference: describeReference(plan),
    sequences: sequences.length,
    tokens: sequences.reduce((n, s) => n + s.length, 0),
  };
}

/** The unit roundoff of the format the surgery stored its means in (0 when there is no mean, or it is fp32). */
function storedMeanRoundoff(created: ModelFolder, plan: Plan): number {
  let roundoff = 0;
  for (const l of plan.layers) {
    if (l.kind === 'new' || l.init.from.length < 2) continue;
    for (const [name, t] of created.tensors) {
      if (name.startsWith(blockTensorName(l.index, ''))) roundoff = Math.max(roundoff, UNIT_ROUNDOFF[t.dtype] ?? 0);
    }
  }
  return roundoff;
}

/** NaN anywhere must fail a comparison, and Math.max keeps NaN. */
function largestDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  for (let s = 0; s < b.length; s++) for (let i = 0; i < b[s].length; i++) worst = Math.max(worst, Math.abs(a[s][i] - b[s][i]));
  return worst;
}

function largestMagnitude(logits: Float32Array[]): number {
  let largest = 0;
  for (const row of logits) for (const x of row) largest = Math.max(largest, Math.abs(x));
  return largest;
}

/** Each model is read once, block by block: a few short sequences do not repay holding it. */
async function logitsOf(folder: ModelFolder, sequences: number[][], blockSequence: BlockSource[] | undefined, control: TaskControl): Promise<Float32Array[]> {
  const job = {
    sequences: sequences.length,
    seqLen: Math.max(...sequences.map((s) => s.length)),
    meanBlocks: blockSequence?.some((b) => typeof b !== 'number'),
    work: 'The function check',
  };
  // fp32 on a GPU too: the comparisons' tolerances are fp32's.
  return withEngine(folder, { streaming: true, gpuPrecision: 'fp32' }, job, {}, (engine) =>
    engine.logits(sequences, { control, ...(blockSequence ? { blockSequence } : {}) }),
  );
}
