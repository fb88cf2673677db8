/**
 * The normalised description of a Llama-family decoder that every part of the app uses
 * (plan, surgery, engine, UI). Built from a Hugging Face config.json by src/main/model/config.ts.
 */
import type { GpuReport, PlacementRecord } from './compute.js';
import type { Fit, GpuEstimate, MachineMemory, WeightMode } from './memory.js';

export type Family = 'llama' | 'mistral' | 'qwen2';

/** Llama 3.1 style frequency-dependent RoPE scaling (rope_scaling.rope_type === "llama3"). */
export interface Llama3RopeScaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

export interface ModelDescription {
  /** As written in config.json "architectures"[0], e.g. "LlamaForCausalLM". */
  architecture: string;
  family: Family;
  layers: number;
  hiddenSize: number;
  intermediateSize: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  tiedEmbeddings: boolean;
  /** q/k/v projections carry biases (Qwen2, or attention_bias: true). */
  attentionBias: boolean;
  /** o_proj carries a bias too (Llama with attention_bias: true; Qwen2 has q/k/v biases only). */
  attentionOutputBias: boolean;
  /** gate/up/down projections carry biases (mlp_bias: true). */
  mlpBias: boolean;
  /** Recorded only; attention is full causal unless use_sliding_window is set. */
  slidingWindow: number | null;
  bosTokenId: number | null;
  eosTokenId: number | number[] | null;
  /** torch_dtype from config.json, e.g. "bfloat16"; null when absent. */
  torchDtype: string | null;
}

/** What `slayer inspect` and the Model step show about a model folder. */
export interface MemoryNeed {
  bytes: number;
  fit: Fit;
  /** How the job would hold the weights here: the fastest mode that fits, else the one that needs least. */
  mode: WeightMode;
  /** What the estimate assumes, in words. */
  assumes: string;
}

/** The shape numbers every summary of a model repeats (inspect, the plan's base). */
export type ModelShape = Pick<
  ModelDescription,
  'architecture' | 'layers' | 'hiddenSize' | 'intermediateSize' | 'heads' | 'kvHeads' | 'headDim' | 'vocabSize' | 'tiedEmbeddings'
>;

export interface InspectResult extends ModelShape {
  family: Family;
  maxPositionEmbeddings: number;
  parameters: number;
  /** The dtype holding most weight bytes: f32, f16 or bf16. */
  dtype: string;
  bytesOnDisk: number;
  hasTokenizer: boolean;
  memory: { machine: MachineMemory; analyse: MemoryNeed; train: MemoryNeed };
  /**
   * The GPU, and where analysing and training would run on 'auto' (the default) and why; with
   * what the same work would need on a GPU (at the adapter's precision, fp16 without one).
   */
  gpu: { report: GpuReport; analyse: PlacementRecord; train: PlacementRecord; needs: { analyse: GpuEstimate; train: GpuEstimate[] } };
}

/** A model found in the Hugging Face cache (`slayer models`, the Model step's list). */
export interface CachedModel {
  /** "org/name", as on the Hub. */
  repo: string;
  /** The snapshot's commit hash, and the refs (e.g. "main") that point at it. */
  revision: string;
  refs: string[];
  /** The snapshot folder: what to open as the model. */
  path: string;
  /** When the snapshot was downloaded or last updated (ISO time). */
  modified: string;
  /** Bytes of the files the model folder holds (links into blobs/ followed). */
  bytes: number;
  hasTokenizer: boolean;
  /** config.json "architectures"[0], when readable. */
  architecture: string | null;
  layers: number | null;
  parameters: number | null;
  /** Why it cannot be used as it is (unsupported architecture, missing shards, broken links); null when it can. */
  problem: string | null;
}
