/**
 * The optimizer as graphs, for training with everything on the GPU (layout (a)): the update
 * of one trained tensor from its gradient, its moments and a few per-step scalars, in fp32,
 * element for element what src/main/train/adamw.ts and sgd.ts compute on the host:
 *
 *   AdamW   g = grad * clipScale
 *           m = b1 m + (1 - b1) g
 *           v = b2 v + (1 - b2) g^2
 *           w = w keep - stepSize m / (sqrt(v) / secondCorrection + eps)
 *   SGD     w = w keep - lr (grad * clipScale)
 *
 * with keep = 1 - lr wd (matrices; 1 for norms and biases), stepSize = lr / (1 - b1^t) and
 * secondCorrection = sqrt(1 - b2^t) computed on the host per step. The betas and eps are
 * constants of the graph; the scalars are graph inputs, uploaded once per step. Each update
 * returns new tensors (onnxruntime has no in-place outputs); the engine frees the old ones.
 *
 * Global-norm clipping needs sum(g^2) over every tensor: `sumOfSquaresGraph` returns one
 * float32 per tensor, the host adds them in float64. Gradients of several micro-batches add
 * up on the GPU with `addGraph`.
 */
import { GraphBuilder, type BuiltModel, type Dim } from '../onnx/graph-builder.js';

export const UPDATE_IO = {
  weight: 'weight',
  grad: 'grad',
  firstMoment: 'exp_avg',
  secondMoment: 'exp_avg_sq',
  keep: 'keep',
  clipScale: 'clip_scale',
  stepSize: 'step_size',
  secondCorrection: 'second_correction',
  lr: 'lr',
  newWeight: 'new_weight',
  newFirstMoment: 'new_exp_avg',
  newSecondMoment: 'new_exp_avg_sq',
} as const;

function dims(rank: number): Dim[] {
  return Array.from({ length: rank }, (_, i) => `d${i}`);
}

export function adamwUpdateGraph(rank: number, settings: { beta1: number; beta2: number; eps: number }): BuiltModel {
  const g = new GraphBuilder('adamw-update');
  const d = dims(rank);
  const scalar = (name: string) => g.input(name, 'float32', []);
  const w = g.input(UPDATE_IO.weight, 'float32', d);
  const grad = g.op('Mul', [g.input(UPDATE_IO.grad, 'float32', d), scalar(UPDATE_IO.clipScale)]);
  const m = g.input(UPDATE_IO.firstMoment, 'float32', d);
  const v = g.input(UPDATE_IO.secondMoment, 'float32', d);
  const [keep, stepSize, secondCorrection] = [scalar(UPDATE_IO.keep), scalar(UPDATE_IO.stepSize), scalar(UPDATE_IO.secondCorrection)];

  const newM = g.op('Add', [g.op('Mul', [m, g.constant(settings.beta1)]), g.op('Mul', [grad, g.constant(1 - settings.beta1)])]);
  const newV = g.op('Add', [g.op('Mul', [v, g.constant(settings.beta2)]), g.op('Mul', [g.op('Mul', [grad, grad]), g.constant(1 - settings.beta2)])]);
  const denominator = g.op('Add', [g.op('Div', [g.op('Sqrt', [newV]), secondCorrection]), g.constant(settings.eps)]);
  const newW = g.op('Sub', [g.op('Mul', [w, keep]), g.op('Div', [g.op('Mul', [newM, stepSize]), denominator])]);
  g.output(UPDATE_IO.newWeight, newW, 'float32', d);
  g.output(UPDATE_IO.newFirstMoment, newM, 'float32', d);
  g.output(UPDATE_IO.newSecondMoment, newV, 'float32', d);
  return g.build();
}

export function sgdUpdateGraph(rank: number): BuiltModel {
  const g = new GraphBuilder('sgd-update');
  const d = dims(rank);
  const scalar = (name: string) => g.input(name, 'float32', []);
  const w = g.input(UPDATE_IO.weight, 'float32', d);
  const grad = g.op('Mul', [g.input(UPDATE_IO.grad, 'float32', d), scalar(UPDATE_IO.clipScale)]);
  const newW = g.op('Sub', [g.op('Mul', [w, scalar(UPDATE_IO.keep)]), g.op('Mul', [grad, scalar(UPDATE_IO.lr)])]);
  g.output(UPDATE_IO.newWeight, newW, 'float32', d);
  return g.build();
}

/** sum(x^2) over every element, one float32. */
export function sumOfSquaresGraph(rank: number): BuiltModel {
  const g = new GraphBuilder('sum-of-squares');
  g.output('sum', g.op('ReduceSumSquare', [g.input('x', 'float32', dims(rank))], { keepdims: 0 }), 'float32', []);
  return g.build();
}

/** a + b: gradients of the micro-batches of one step. */
export function addGraph(rank: number): BuiltModel {
  const g = new GraphBuilder('add');
  const d = dims(rank);
  g.output('sum', g.op('Add', [g.input('a', 'float32', d), g.input('b', 'float32', d)]), 'float32', d);
  return g.build();
}
