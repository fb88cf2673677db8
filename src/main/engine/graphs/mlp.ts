import type { GraphBuilder } from '../onnx/graph-builder.js';
import { linear } from './linear.js';
import { projection, type LoraAdapter } from './lora.js';
import type { Projection } from './projection.js';

export interface MlpWeights {
  gate: string;
  up: string;
  down: string;
  gateBias?: string;
  upBias?: string;
  downBias?: string;
  /** LoRA adapters of the projections that have one (lora.ts). */
  gateAdapter?: LoraAdapter;
  upAdapter?: LoraAdapter;
  downAdapter?: LoraAdapter;
}

/** The values of a SwiGLU MLP that its backward pass reuses. */
export interface SwiGluParts {
  gate: string;
  sigmoid: string;
  silu: string;
  up: string;
  /** silu(gate) * up: the input of down_proj. */
  product: string;
  output: string;
}

/** SwiGLU feed-forward: down( silu(gate(x)) * up(x) ), silu(z) = z * sigmoid(z). */
export function swiGluParts(g: GraphBuilder, x: string, w: MlpWeights, base: Projection = linear): SwiGluParts {
  const gate = projection(g, x, w.gate, w.gateBias, w.gateAdapter, base);
  const sigmoid = g.op('Sigmoid', [gate]);
  const silu = g.op('Mul', [gate, sigmoid]);
  const up = projection(g, x, w.up, w.upBias, w.upAdapter, base);
  const product = g.op('Mul', [silu, up]);
  return { gate, sigmoid, silu, up, product, output: projection(g, product, w.down, w.downBias, w.downAdapter, base) };
}
