import type { ModelDescription } from '../../../shared/model.js';
import { GraphBuilder, type BuiltModel } from '../onnx/graph-builder.js';

export const EMBEDDING_IO = { tokenIds: 'token_ids', weight: 'embed_weight', output: 'hidden' } as const;

/** h_0 = E[token_ids]: rows of the [vocab, hidden] embedding matrix. */
export function embeddingGraph(m: ModelDescription): BuiltModel {
  const g = new GraphBuilder('embedding');
  const ids = g.input(EMBEDDING_IO.tokenIds, 'int64', ['batch', 'seq']);
  const weight = g.input(EMBEDDING_IO.weight, 'float32', [m.vocabSize, m.hiddenSize]);
  g.output(EMBEDDING_IO.output, g.op('Gather', [weight, ids], { axis: 0 }), 'float32', ['batch', 'seq', m.hiddenSize]);
  return g.build();
}
