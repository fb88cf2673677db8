/**
 * How each resulting block starts (the `init` field of a plan layer). See LayerInit in
 * src/shared/plan.ts for the rule the surgery applies: mean of `from`, then `zeroed` set to 0.
 */
import type { ModelDescription } from '../../shared/model.js';
import type { Expansion, LayerInit, RefreshChoice } from '../../shared/plan.js';
import { blockTensorSpecs } from '../model/tensors.js';

/**
 * The tensors that write into the residual stream: o_proj and down_proj (and down_proj's bias
 * when the MLP has biases). A pre-norm block computes h + attn(norm(h)) + mlp(norm(...)); with
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
 * The new final block: original layer `last` (the last one kept). With "mean" it starts as the
 * element-wise mean of `last` and the removed layers that came after it, so what the deleted
 * tail knew is folded into the block that replaces it (paper default: mean of 29, 30, 31 when
 * 30 and 31 are pruned). When pruning left the tail in place (scores chose layers further up),
 * nothing followed `last` and "mean" is simply a copy: folding in layers from the middle of the
 * stack would mix blocks that never fed the head. Its residual outputs are NOT zeroed: it
 * replaces a working layer rather than adding an identity one.
 */
export function refreshInit(last: number, removed: readonly number[], refresh: Exclude<RefreshChoice, 'none'>): LayerInit {
  const from = refresh === 'mean' ? [last, ...removed.filter((r) => r > last)] : [last];
  return { method: from.length > 1 ? 'mean-of' : 'copy', from, zeroed: [] };
}
