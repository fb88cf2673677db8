/**
 * Function check (design/S-STRATEGY.md section 7): a plan that only inserts identity blocks
 * must give a model with exactly the base model's logits. A new block whose o_proj and
 * down_proj are zero adds attn = 0 and mlp = 0 to the residual stream, h + 0 + 0 = h, so the
 * expected difference is 0; the tolerance only absorbs float reordering between runs.
 * Both models run through the forward engine on a few short fixed token sequences, streaming
 * one block at a time so the check never holds a whole model in memory.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { Plan } from '../../shared/plan.js';
import { progressSpan, type TaskControl } from '../../shared/progress.js';
import { withEngine } from '../evaluate/model-session.js';
import { ModelFolder } from '../model/folder.js';
import { deriveSeed } from '../model/random.js';
import { residualOutputTensors } from '../plan/init.js';
import type { FunctionCheck } from '../../shared/surgery.js';

export type { FunctionCheck } from '../../shared/surgery.js';

/** Relative to the largest base logit, so the check means the same for small and large logits. */
const RELATIVE_TOLERANCE = 1e-5;
/** Lengths of the check's sequences: different lengths also exercise padding in a batch. */
const SEQUENCE_LENGTHS = [16, 9, 3];
const SEQUENCE_SEED = 5;

/** Why the new model need not compute the base model's function, or null when it must. */
export function functionCheckSkipReason(plan: Plan, m: ModelDescription): string | null {
  if (plan.removed.length > 0) return `the plan removes layer${plan.removed.length === 1 ? '' : 's'} ${plan.removed.join(', ')}`;
  const residual = residualOutputTensors(m);
  for (const layer of plan.layers) {
    const { from, zeroed } = layer.init;
    if (layer.kind === 'new') {
      const kept = residual.find((s) => !zeroed.includes(s));
      if (kept) return `new layer ${layer.index} keeps ${kept}, so it is not an identity block`;
    } else if (from.length > 1 || zeroed.length > 0) {
      return `layer ${layer.index} is re-initialised (${layer.init.method} of layers ${from.join(', ')})`;
    }
  }
  return null;
}

/** Fixed token ids spread over the whole vocabulary, the same for every run of a model. */
export function checkSequences(m: ModelDescription): number[][] {
  return SEQUENCE_LENGTHS.map((length, s) =>
    Array.from({ length: Math.min(length, m.maxPositionEmbeddings) }, (_, t) => deriveSeed(SEQUENCE_SEED, `${s}:${t}`) % m.vocabSize),
  );
}

export async function checkFunction(base: ModelFolder, newModelDir: string, control: TaskControl = {}): Promise<FunctionCheck> {
  const sequences = checkSequences(base.description);
  const expected = await logitsOf(base, sequences, progressSpan(control, 0, 0.5, 'Function check, base model'));
  const created = await ModelFolder.open(newModelDir);
  let actual: Float32Array[];
  try {
    actual = await logitsOf(created, sequences, progressSpan(control, 0.5, 1, 'Function check, new model'));
  } finally {
    await created.close();
  }
  let maxAbsDiff = 0;
  let maxAbsLogit = 0;
  for (let s = 0; s < sequences.length; s++) {
    for (let i = 0; i < expected[s].length; i++) {
      // NaN anywhere must fail the check, and Math.max keeps NaN.
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(actual[s][i] - expected[s][i]));
      maxAbsLogit = Math.max(maxAbsLogit, Math.abs(expected[s][i]));
    }
  }
  const tolerance = RELATIVE_TOLERANCE * Math.max(1, maxAbsLogit);
  return {
    checked: true,
    passed: maxAbsDiff <= tolerance,
    maxAbsDiff,
    tolerance,
    sequences: sequences.length,
    tokens: sequences.reduce((n, s) => n + s.length, 0),
  };
}

/** Each model is read once, block by block: a few short sequences do not repay holding it. */
async function logitsOf(folder: ModelFolder, sequences: number[][], control: TaskControl): Promise<Float32Array[]> {
  const job = { sequences: sequences.length, seqLen: Math.max(...sequences.map((s) => s.length)), work: 'The function check' };
  return withEngine(folder, { streaming: true }, job, {}, (engine) => engine.logits(sequences, { control }));
}
