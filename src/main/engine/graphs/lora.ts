/**
 * LoRA (Hu et al., 2021) on one linear projection, as PEFT computes it:
 *
 *   y = x W^T + b  +  s * (dropout(x) A^T) B^T,        s = alpha / r
 *
 * W [out, in] and b stay frozen; the adapter A [r, in] and B [out, r] is what trains. B starts
 * at zero, so the adapted model computes exactly what the base model does until the first
 * update. dropout(x) = x * M with M a fed mask of 0 and 1/(1 - p) (inverted dropout, as
 * torch.nn.Dropout): the backward graph recomputes the forward pass, and a fed mask is the only
 * way both passes see the same one.
 */
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { linear } from './linear.js';
import type { Projection } from './projection.js';

/** The graph values of one adapter. */
export interface LoraAdapter {
  a: string;
  b: string;
  scale: number;
  /** The dropout mask [batch, seq, in]; absent without dropout. */
  mask?: string;
  /** Where its backward records dA and dB (by the graph names of A and B). */
  grads: Map<string, string>;
}

/** What a block graph with adapters needs to know. */
export interface LoraGraphSpec {
  /** Module paths inside a block, e.g. "self_attn.q_proj", "mlp.down_proj". */
  modules: readonly string[];
  rank: number;
  /** alpha / r. */
  scale: number;
  /** The graph takes a dropout mask per adapter. */
  dropout: boolean;
}

/** Graph input names of a module's adapter (PEFT's names without the model prefix). */
export function loraInputNames(module: string): { a: string; b: string; mask: string } {
  return { a: `${module}.lora_A.weight`, b: `${module}.lora_B.weight`, mask: `${module}.lora_dropout_mask` };
}

/** dropout(x): x itself without dropout. */
export function droppedInput(g: GraphBuilder, x: string, adapter: LoraAdapter): string {
  return adapter.mask === undefined ? x : g.op('Mul', [x, adapter.mask]);
}

/** y = x W^T + b (by `base`: fp32 or int8), plus the adapter's s (dropout(x) A^T) B^T when there is one. */
export function projection(
  g: GraphBuilder,
  x: string,
  weight: string,
  bias: string | undefined,
  adapter: LoraAdapter | undefined,
  base: Projection = linear,
): string {
  const y = base(g, x, weight, bias);
  if (!adapter) return y;
  const low = linear(g, droppedInput(g, x, adapter), adapter.a);
  return g.op('Add', [y, g.op('Mul', [linear(g, low, adapter.b), g.constant(adapter.scale)])]);
}
