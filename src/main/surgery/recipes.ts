/**
 * What every tensor of the new model is made from, decided before any byte is written, so the
 * checkpoint can be declared up front (headers, shards, disk space) and filled one tensor at a time.
 *
 * A block tensor of resulting layer k with suffix s follows the plan's init rule for that layer:
 *   zero                              if s is in init.zeroed
 *   copy of model.layers.{j}.{s}      if init.from = [j]   (the mean of one tensor is the tensor:
 *                                                           copied as raw bytes, exact in any dtype)
 *   mean of model.layers.{j}.{s}, j in init.from           otherwise
 * Global tensors (embeddings, final norm, LM head) are copies. Tensors the model does not use
 * (e.g. old rotary inv_freq buffers) travel along as copies: a block's extras from the first
 * layer in its init.from, renumbered; global extras unchanged.
 */
import type { LayerInit, Plan } from '../../shared/plan.js';
import type { ModelFolder } from '../model/folder.js';
import type { TensorDeclaration } from '../model/safetensors-writer.js';
import { blockTensorName, modelTensorSpecs, parseBlockTensorName } from '../model/tensors.js';

export type TensorRecipe = { kind: 'copy'; source: string } | { kind: 'zero' } | { kind: 'mean'; sources: string[] };

export interface OutputTensor extends TensorDeclaration {
  recipe: TensorRecipe;
  /** Bytes of data in the new checkpoint. */
  bytes: number;
}

export function outputTensors(folder: ModelFolder, plan: Plan): OutputTensor[] {
  const m = folder.description;
  const declare = (name: string, like: string, recipe: TensorRecipe): OutputTensor => {
    // The source's dtype and shape: new blocks are written back in the dtype they came from.
    const source = folder.tensors.get(like)!;
    const [begin, end] = source.byteRange;
    return { name, dtype: source.dtype, shape: [...source.shape], recipe, bytes: end - begin };
  };

  const tensors = modelTensorSpecs({ ...m, layers: plan.layers.length }).map((spec) => {
    const block = parseBlockTensorName(spec.name);
    if (!block) return declare(spec.name, spec.name, { kind: 'copy', source: spec.name });
    const init = plan.layers[block.layer].init;
    return declare(spec.name, blockTensorName(init.from[0], block.suffix), blockRecipe(init, block.suffix));
  });

  const blockExtras = new Map<number, string[]>();
  for (const name of folder.extraTensors) {
    const block = parseBlockTensorName(name);
    if (!block) tensors.push(declare(name, name, { kind: 'copy', source: name }));
    else blockExtras.set(block.layer, [...(blockExtras.get(block.layer) ?? []), block.suffix]);
  }
  for (const layer of plan.layers) {
    const from = layer.init.from[0];
    for (const suffix of blockExtras.get(from) ?? []) {
      const source = blockTensorName(from, suffix);
      tensors.push(declare(blockTensorName(layer.index, suffix), source, { kind: 'copy', source }));
    }
  }
  return tensors;
}

function blockRecipe(init: LayerInit, suffix: string): TensorRecipe {
  if (init.zeroed.includes(suffix)) return { kind: 'zero' };
  const sources = init.from.map((layer) => blockTensorName(layer, suffix));
  return sources.length === 1 ? { kind: 'copy', source: sources[0] } : { kind: 'mean', sources };
}
