import type { ModelDescription } from '../../../shared/model.js';
import { FP32, GraphBuilder, type BuiltModel, type GraphPrecision } from '../onnx/graph-builder.js';

export const EMBEDDING_IO = { tokenIds: 'token_ids', weight: 'embed_weight', output: 'hidden' } as const;

/** h_0 = E[token_ids]: rows of the [vocab, hidden] embedding matrix. */
export function embeddingGraph(m: ModelDescription, precision: GraphPrecision = FP32): BuiltModel {
  const g = new GraphBuilder('embedding', undefined, precision);
  const ids = g.input(EMBEDDING_IO.tokenIds, 'int64', ['batch', 'seq']);
  const weight = g.weight(EMBEDDING_IO.weight, [m.vocabSize, m.hiddenSize]);
  g.output(EMBEDDING_IO.output, g.op('Gather', [weight, ids], { axis: 0 }), g.float, ['batch', 'seq', m.hiddenSize]);
  return g.build();
}
