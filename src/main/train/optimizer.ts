/**
 * What the trainer needs from an optimizer: one in-place update of every trained tensor from
 * its (accumulated, clipped) gradient, and its state as named tensors for checkpoints.
 *
 * Updates run as plain JS loops over the tensors, not as an ONNX graph: the update is
 * element-wise (no matmul for onnxruntime to speed up), and a graph returns new copies of the
 * weights and both moments every step. Measured on 10M parameters (2 cores): AdamW in JS
 * ~60 ms, the same update as a graph ~150 ms plus ~12 ms to copy its outputs back.
 */
import type { Parameter } from '../engine/training-engine.js';
import type { NamedTensor } from './checkpoint.js';
import type { OptimizerName } from '../../shared/training.js';

export { OPTIMIZERS, type OptimizerName } from '../../shared/training.js';

export interface Optimizer {
  readonly name: OptimizerName;
  /** Updates completed so far (AdamW's bias correction counts them). */
  readonly updates: number;
  /** Optimizers on a GPU (src/main/engine/device-optimizer.ts) update asynchronously. */
  step(lr: number): void | Promise<void>;
  /** State tensors for checkpoints (the arrays themselves, not copies). */
  stateTensors(): NamedTensor[];
  /** Restores what stateTensors() and `updates` held at a checkpoint. */
  restore(updates: number, tensors: ReadonlyMap<string, Float32Array>): void;
}

/**
 * Weight decay applies to matrices only. Norm gains and biases are vectors that set scales and
 * offsets, not learned features; pulling them towards 0 only fights the loss (LLaMA Pro and the
 * usual GPT recipes exclude them).
 */
export function decays(p: Parameter): boolean {
  return p.shape.length >= 2;
}
