/**
 * The element-wise mean of `count` tensors of one shape, (x_1 + ... + x_count) / count, summed
 * in float32 whatever the tensors are stored in: the insert-one probe's averaged blocks, built
 * on the GPU from the blocks already there (block-weights.ts does the same on the host).
 */
import { GraphBuilder, type BuiltModel, type FloatType } from '../onnx/graph-builder.js';

export function tensorMeanGraph(type: FloatType, rank: number, count: number): BuiltModel {
  const g = new GraphBuilder(`mean-of-${count}`, undefined, { compute: type, weights: type });
  const dims = Array.from({ length: rank }, (_, i) => `d${i}`);
  const inputs = Array.from({ length: count }, (_, i) => g.toFloat32(g.input(`x${i}`, type, dims)));
  // Adds, not Sum: onnxruntime's WebGPU provider has no Sum kernel.
  const sum = inputs.slice(1).reduce((acc, x) => g.op('Add', [acc, x]), inputs[0]);
  g.output('mean', g.toCompute(g.op('Div', [sum, g.constantF32(count)])), type, dims);
  return g.build();
}
