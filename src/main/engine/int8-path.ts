/**
 * What the forward engine needs to run a quick scan: the int8 block and head graphs, and the
 * feeds of a block or the head from the quantised weights (quantised-weights.ts). Feeds wrap
 * the held arrays without copying them.
 *
 * A block made as a mean of layers (the insert-one probe's "average" start) is averaged in fp32
 * from the dequantised matrices and quantised again: W = mean_i (q_i s_i), then quantise(W).
 */
import * as ort from 'onnxruntime-node';
import type { ModelDescription } from '../../shared/model.js';
import { blockTensorSpecs } from '../model/tensors.js';
import type { BlockSource } from './block-weights.js';
import { decoderBlockInt8Graph, isQuantisedSpec, SCALE_SUFFIX } from './graphs/decoder-block-int8.js';
import { quantisedLogitsGraph, quantisedTokenLogProbGraph } from './graphs/lm-head-int8.js';
import { HEAD_IO } from './graphs/lm-head.js';
import type { BuiltModel } from './onnx/graph-builder.js';
import { dequantiseWeight, quantiseWeight, type QuantisedMatrix } from './quantise.js';
import type { QuantisedBlock, QuantisedWeights } from './quantised-weights.js';

export interface Int8Path {
  readonly mode: 'resident-int8';
  readonly weights: QuantisedWeights;
  readonly graphs: { block: BuiltModel; logProbs: BuiltModel; logits: BuiltModel };
  blockFeeds(source: BlockSource): Record<string, ort.Tensor>;
  /** The final norm and the quantised head; throws when the head was not loaded. */
  headFeeds(): Record<string, ort.Tensor>;
}

export function int8Path(weights: QuantisedWeights): Int8Path {
  const m = weights.description;
  return {
    mode: 'resident-int8',
    weights,
    graphs: { block: decoderBlockInt8Graph(m), logProbs: quantisedTokenLogProbGraph(m), logits: quantisedLogitsGraph(m) },
    blockFeeds: (source) => blockFeeds(m, typeof source === 'number' ? weights.block(source) : meanBlock(source.mean.map((l) => weights.block(l)))),
    headFeeds() {
      if (!weights.head) throw new Error('The quantised weights were loaded without the LM head.');
      return {
        [HEAD_IO.normWeight]: new ort.Tensor('float32', weights.finalNorm, [m.hiddenSize]),
        ...matrixFeeds(HEAD_IO.headWeight, weights.head),
      };
    },
  };
}

/** Tells the int8 path from a weight store (the forward engine holds one or the other). */
export function isInt8Path(weights: { mode: string }): weights is Int8Path {
  return weights.mode === 'resident-int8';
}

function matrixFeeds(name: string, q: QuantisedMatrix): Record<string, ort.Tensor> {
  return {
    [name]: new ort.Tensor('int8', q.values, [q.rows, q.columns]),
    [name + SCALE_SUFFIX]: new ort.Tensor('float32', q.scales, [q.columns]),
  };
}

function blockFeeds(m: ModelDescription, block: QuantisedBlock): Record<string, ort.Tensor> {
  let feeds: Record<string, ort.Tensor> = {};
  for (const spec of blockTensorSpecs(m)) {
    if (isQuantisedSpec(spec)) feeds = { ...feeds, ...matrixFeeds(spec.name, block.matrices.get(spec.name)!) };
    else feeds[spec.name] = new ort.Tensor('float32', block.vectors.get(spec.name)!, spec.shape);
  }
  return feeds;
}

/** The element-wise mean of blocks, requantised (see the module comment); one block is itself. */
export function meanBlock(blocks: readonly QuantisedBlock[]): QuantisedBlock {
  if (blocks.length === 1) return blocks[0];
  const mean = (arrays: Float32Array[]): Float32Array => {
    const out = Float32Array.from(arrays[0]);
    for (const a of arrays.slice(1)) for (let i = 0; i < out.length; i++) out[i] += a[i];
    for (let i = 0; i < out.length; i++) out[i] /= arrays.length;
    return out;
  };
  const matrices = new Map<string, QuantisedMatrix>();
  for (const [name, first] of blocks[0].matrices) {
    const averaged = mean(blocks.map((b) => dequantiseWeight(b.matrices.get(name)!)));
    matrices.set(name, quantiseWeight(averaged, first.columns, first.rows));
  }
  const vectors = new Map<string, Float32Array>();
  for (const name of blocks[0].vectors.keys()) vectors.set(name, mean(blocks.map((b) => b.vectors.get(name)!)));
  return { matrices, vectors };
}
