/**
 * Backward of the embedding lookup on the GPU (layout (a), when the embeddings train):
 *   dE[id] += sum of dh_0[t] over the real tokens t with that id,
 * a scatter-add into the gradient accumulated so far. On the host (layout (b), the CPU engine)
 * embedding-backward.ts does the same in JS.
 */
import type { ModelDescription } from '../../../shared/model.js';
import { GraphBuilder, type BuiltModel } from '../onnx/graph-builder.js';

export const EMBEDDING_GRAD_IO = {
  accumulated: 'grad_embed',
  tokenIds: 'token_ids',
  tokenMask: 'token_mask',
  gradHidden: 'grad_hidden',
  output: 'new_grad_embed',
} as const;

export function embeddingGradGraph(m: ModelDescription): BuiltModel {
  const g = new GraphBuilder('embedding-grad');
  const accumulated = g.input(EMBEDDING_GRAD_IO.accumulated, 'float32', [m.vocabSize, m.hiddenSize]);
  const ids = g.op('Unsqueeze', [g.input(EMBEDDING_GRAD_IO.tokenIds, 'int64', ['batch', 'seq']), g.int64([-1])]);
  const mask = g.op('Unsqueeze', [g.input(EMBEDDING_GRAD_IO.tokenMask, 'bool', ['batch', 'seq']), g.int64([-1])]);
  // Padding adds 0 (to row 0, its placeholder id), never a stray gradient.
  const updates = g.op('Where', [mask, g.input(EMBEDDING_GRAD_IO.gradHidden, 'float32', ['batch', 'seq', m.hiddenSize]), g.constant(0)]);
  g.output(EMBEDDING_GRAD_IO.output, g.op('ScatterND', [accumulated, ids, updates], { reduction: 'add' }), 'float32', [m.vocabSize, m.hiddenSize]);
  return g.build();
}
