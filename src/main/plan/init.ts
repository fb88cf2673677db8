/**
 * How each resulting block starts (the `init` field of a plan layer). See LayerInit in
 * src/shared/plan.ts for the rule the surgery applies: mean of `from`, then `zeroed` set to 0.
 */
import type { ModelDescription } from '../../shared/model.js';
import { layerList } from '../../shared/layer-words.js';
import { MAX_REFRESH_DELETED, type Expansion, type LayerInit, type RefreshChoice } from '../../shared/plan.js';
import { blockTensorSpecs } from '../model/tensors.js';

/**
 * The tensors that write into the residual stream: o_proj and down_proj, with their biases when
 * the model has them (Llama's attention_bias gives o_proj one, mlp_bias down_proj). A pre-norm block computes h + attn(norm(h)) + mlp(norm(...)); with
 * these at zero both branches add exactly 0, so a new block is the identity at step 0 and the
 * expanded model's logits equal the base model's (the LLaMA Pro trick).
 */
export function residualOutputTensors(m: ModelDescription): string[] {
  return blockTensorSpecs(m)
    .map((s) => s.name)
    .filter((name) => name.startsWith('self_attn.o_proj.') || name.startsWith('mlp.down_proj.'));
}

export function keptInit(source: number): LayerInit {
  return { method: 'copy', from: [source], zeroed: [] };
}

/**
 * A new block inserted after original layer `e.after`: a copy of that layer (LLaMA Pro), or the
 * interpolation (W_after + W_{after+1}) / 2 (S strategy). After the model's last layer there is
 * no next layer to interpolate with, so "average" falls back to a copy of the last layer.
 */
export function newBlockInit(m: ModelDescription, e: Expansion): LayerInit {
  const zeroed = residualOutputTensors(m);
  if (e.init === 'average' && e.after + 1 < m.layers) {
    return { method: 'average', from: [e.after, e.after + 1], zeroed };
  }
  return { method: 'copy', from: [e.after], zeroed };
}

/**
 * The new final block: original layer `last` (the last one kept). Its residual outputs are NOT
 * zeroed: it replaces a working layer rather than adding an identity one. With "mean" it starts
 * as the element-wise mean of `last` and the deleted layers that followed it, so what the
 * deleted tail computed is folded into the block that now feeds the final norm (the paper: mean
 * of 29, 30 and 31 when 30 and 31 are deleted). Two limits, each stated in the returned note:
 *   - at most MAX_REFRESH_DELETED deleted layers are averaged in, the ones right after `last`:
 *     a mean of many layers (6 when 5 of 80 are deleted) keeps little of any one of them;
 *   - when no deleted layer followed `last` (a rule deleted layers further up and kept the
 *     last one), "mean" is a copy: averaging in blocks from the middle of the stack would mix
 *     computations that never fed the final norm.
 * "keep" is always a copy.
 */
export function refreshInit(last: number, removed: readonly number[], refresh: Exclude<RefreshChoice, 'none'>): { init: LayerInit; note: string } {
  const followed = removed.filter((r) => r > last);
  const copy: LayerInit = { method: 'copy', from: [last], zeroed: [] };
  const tail = followed.length ? ` ${layerList(followed)} that followed it` : '';
  if (refresh === 'keep') {
    return { init: copy, note: `Refreshed layer ${last} starts as a copy of itself (refresh "keep")${tail ? `, not averaged with the deleted${tail}` : ''}.` };
  }
  if (followed.length === 0) {
    const why = removed.length
      ? `no deleted layer followed it (the deleted ${layerList(removed)} lie before it), and averaging in blocks from the middle of the stack would mix computations that never fed the final norm`
      : 'no layer was deleted, so there is nothing to average in';
    return { init: copy, note: `Refreshed layer ${last} starts as a copy of itself: ${why}.` };
  }
  const folded = followed.slice(0, MAX_REFRESH_DELETED);
  const left = followed.slice(MAX_REFRESH_DELETED);
  const from = [last, ...folded];
  const cap = left.length
    ? `; the deleted ${layerList(left)} ${left.length === 1 ? 'is' : 'are'} not averaged in, because the mean is capped at the last kept layer and ${MAX_REFRESH_DELETED} deleted ones so that the block keeps most of what it computed`
    : '';
  return { init: { method: 'mean-of', from, zeroed: [] }, note: `Refreshed layer ${last} starts as the element-wise mean of ${layerList(from)}${cap}.` };
}
