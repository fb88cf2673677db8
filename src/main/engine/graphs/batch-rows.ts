/**
 * Rows of a batch on the GPU: the training head runs on groups of rows when the whole batch's
 * [rows, seq, vocab] logits would pass the activation budget (as the CPU engine does on the
 * host); the hidden state is cut into those rows, and the gradients put back together.
 */
import { GraphBuilder, type BuiltModel } from '../onnx/graph-builder.js';

/** x[start:end] along the first axis; start and end are int64 [1]. */
export function sliceRowsGraph(): BuiltModel {
  const g = new GraphBuilder('slice-rows');
  const x = g.input('x', 'float32', ['batch', 'seq', 'hidden']);
  g.output('rows', g.op('Slice', [x, g.input('start', 'int64', [1]), g.input('end', 'int64', [1]), g.int64([0])]), 'float32', ['rows', 'seq', 'hidden']);
  return g.build();
}

/** The `count` pieces x0, x1, ... stacked along the first axis again. */
export function concatRowsGraph(count: number): BuiltModel {
  const g = new GraphBuilder('concat-rows');
  const pieces = Array.from({ length: count }, (_, i) => g.input(`x${i}`, 'float32', [`rows${i}`, 'seq', 'hidden']));
  g.output('batch', g.op('Concat', pieces, { axis: 0 }), 'float32', ['batch', 'seq', 'hidden']);
  return g.build();
}
