import type { GraphBuilder } from '../onnx/graph-builder.js';
import { linear } from './linear.js';

export interface MlpWeights {
  gate: string;
  up: string;
  down: string;
  gateBias?: string;
  upBias?: string;
  downBias?: string;
}

/** SwiGLU feed-forward: down( silu(gate(x)) * up(x) ), silu(z) = z * sigmoid(z). */
export function swiGluMlp(g: GraphBuilder, x: string, w: MlpWeights): string {
  const gate = linear(g, x, w.gate, w.gateBias);
  const silu = g.op('Mul', [gate, g.op('Sigmoid', [gate])]);
  return linear(g, g.op('Mul', [silu, linear(g, x, w.up, w.upBias)]), w.down, w.downBias);
}
