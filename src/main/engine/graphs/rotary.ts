import type { GraphBuilder } from '../onnx/graph-builder.js';

/**
 * Rotary position embedding in Hugging Face's "rotate_half" layout: element j of a head is
 * paired with element j + D/2, and the pair turns by the angle position * invFreq[j]:
 *   out[..., :D/2] = x1 cos - x2 sin,   out[..., D/2:] = x2 cos + x1 sin.
 * x: [..., seq, D]; cos, sin: [seq, D/2] (see rotary-tables.ts), broadcast over the rest.
 */
export function applyRotary(g: GraphBuilder, x: string, cos: string, sin: string): string {
  const [x1, x2] = g.ops('Split', [x], 2, { axis: -1, num_outputs: 2 });
  const first = g.op('Sub', [g.op('Mul', [x1, cos]), g.op('Mul', [x2, sin])]);
  const second = g.op('Add', [g.op('Mul', [x2, cos]), g.op('Mul', [x1, sin])]);
  return g.op('Concat', [first, second], { axis: -1 });
}
