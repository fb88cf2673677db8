/**
 * Peak memory of a training step in each weight mode. Trained tensors, their gradients and the
 * optimizer's state are always fp32; frozen tensors are held as the weight mode says
 * (weights.ts). With block-level recomputation (activation checkpointing per block):
 *
 *   trained     = 4 * P_train                 the engine's own fp32 copies
 *   gradients   = 4 * P_train
 *   optimizer   = 8 * P_train                 AdamW's m and v (SGD keeps none)
 *   frozen      = weights(mode) over P - P_train
 *   activations = 4 * ( c * B*T*H                    block inputs kept for recomputation
 *                     + 2 * B*T*(5H + 3q + 3kv + 4F) one block's tensors + their gradients while it is recomputed
 *                     + 2 * B*heads*T^2              its attention probabilities + gradient
 *                     + 2 * B*T*V )                  logits + their gradient
 *
 * with q = heads*headDim, kv = kvHeads*headDim. The per-token block term counts what a Llama
 * block's backward reads: 5 hidden-sized tensors (two norm outputs, o_proj output, the residual
 * sum, down_proj output), q/k/v before and after RoPE plus the attention output (3q + 3kv), and
 * gate, up, silu(gate), silu(gate)*up (4F). c is the number of blocks from the lowest trainable
 * one to the top: no gradient has to flow below the lowest trainable block, so blocks under it
 * keep nothing (all blocks when the embeddings are trained).
 *
 * LoRA adapters (P_lora values) are trained like any tensor (copy, gradient, optimizer state);
 * the weights they adapt stay frozen. While an adapted block is recomputed it also holds, per
 * adapter, its low-rank activations and their gradients (2 * B*T*r), and with dropout the mask
 * it is fed (B*T*in, once in JS and once as the graph's input):
 *   adapters    = 4 * (2 * B*T*r * n_block + 2 * B*T * in_block)    n_block adapters of in_block inputs in all
 */
import type { ModelDescription } from '../../shared/model.js';
import { WEIGHT_MODE_WORDS, type MemoryEstimate, type WeightMode } from '../../shared/memory.js';
import { RUNTIME_BYTES } from './forward.js';
import { heldWeightBytes, weightModes } from './weights.js';

export interface TrainingShape {
  /** Blocks of the model that trains (after surgery). */
  layers: number;
  parameters: number;
  trainableParameters: number;
  /** Index of the lowest trained block; 0 when the embeddings train. */
  lowestTrainable: number;
  batch: number;
  seqLen: number;
  /** AdamW keeps two moments per trained value; SGD none. */
  optimizerStates: number;
  /** LoRA adapters, when they are what trains (trainableParameters then counts base tensors only, usually 0). */
  adapters?: AdapterShape;
}

export interface AdapterShape {
  parameters: number;
  rank: number;
  /** Adapters of one block, and the sum of their input widths. */
  perBlock: number;
  inputsPerBlock: number;
  dropout: boolean;
}

export function trainingEstimates(m: ModelDescription, storedBytes: number, shape: TrainingShape): MemoryEstimate[] {
  return weightModes(storedBytes).map((mode) => trainingEstimate(m, storedBytes, shape, mode));
}

/** Bytes of fp32 activations one training step keeps (the formula above); the GPU layouts compute in fp32 too. */
export function trainingActivationBytes(m: ModelDescription, s: TrainingShape): number {
  const [B, T, H, F] = [s.batch, s.seqLen, m.hiddenSize, m.intermediateSize];
  const q = m.heads * m.headDim;
  const kv = m.kvHeads * m.headDim;
  const checkpointed = s.layers - s.lowestTrainable;
  return 4 * (checkpointed * B * T * H + 2 * B * T * (5 * H + 3 * q + 3 * kv + 4 * F) + 2 * B * m.heads * T * T + 2 * B * T * m.vocabSize);
}

export function trainingEstimate(m: ModelDescription, storedBytes: number, s: TrainingShape, mode: WeightMode): MemoryEstimate {
  const [B, T] = [s.batch, s.seqLen];
  const trained = s.trainableParameters + (s.adapters?.parameters ?? 0);
  const parts = [
    { name: 'Runtime', bytes: RUNTIME_BYTES, why: 'Node, onnxruntime, the graphs and the tokenizer' },
    { name: 'Frozen weights', bytes: heldWeightBytes(m, mode, s.parameters - s.trainableParameters, storedBytes), why: `frozen ${WEIGHT_MODE_WORDS[mode]}` },
    { name: 'Trained weights', bytes: 4 * trained, why: 'an fp32 copy of every trainable parameter' },
    { name: 'Gradients', bytes: 4 * trained, why: 'one fp32 gradient per trainable parameter' },
    {
      name: 'Optimizer',
      bytes: 4 * s.optimizerStates * trained,
      why: s.optimizerStates ? "AdamW's two fp32 moments per trainable parameter" : 'SGD keeps no state',
    },
    {
      name: 'Activations',
      bytes: trainingActivationBytes(m, s),
      why: `what one step of ${B} x ${T} tokens keeps for the backward pass, with per-block recomputation`,
    },
  ];
  const a = s.adapters;
  if (a) {
    parts.push({
      name: 'Adapters',
      bytes: 4 * (2 * B * T * a.rank * a.perBlock + (a.dropout ? 2 * B * T * a.inputsPerBlock : 0)),
      why: `the low-rank activations of one adapted block${a.dropout ? ' and its dropout masks' : ''}`,
    });
  }
  return { mode, totalBytes: parts.reduce((n, p) => n + p.bytes, 0), parts };
}
