import type { GraphBuilder } from '../onnx/graph-builder.js';

/**
 * A projection y = x W^T + b as a graph piece, by the names of its inputs: fp32 (linear.ts) or
 * int8 (linear-int8.ts). The decoder block and the MLP take one, so that a single description
 * of the block serves both precisions.
 */
export type Projection = (g: GraphBuilder, x: string, weight: string, bias?: string) => string;
