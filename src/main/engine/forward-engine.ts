/**
 * The forward engine: a Llama-family decoder run as a sequence of small ONNX graphs,
 *   embedding -> block graph once per entry of the block sequence -> final norm + LM head,
 * with the layer-importance statistics of each block computed by a graph of their own.
 *
 * One block graph serves every block; its weights are fed per call (onnxruntime does not copy
 * inputs). That is what makes the weight modes (weight-store.ts), drop-one and insert-one
 * probes, and the backward pass plain choices of which weights to feed. Work runs layer-major:
 * each block is applied to every batch before the next block, so a block is read or widened
 * once per run.
 * Hidden states stay as onnxruntime tensors between calls; JS never loops over them. Each
 * call's output is copied by onnxruntime-node into a fresh buffer (measured ~3.5 ms per 4 MB
 * including allocation, a few percent of a block call; preallocated outputs do not help).
 */
import * as ort from 'onnxruntime-node';
import { UserError } from '../../shared/errors.js';
import type { ModelDescription } from '../../shared/model.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import { blockTensorSpecs, type TensorReader } from '../model/tensors.js';
import { planBatches, validateSequences, type PaddedBatch } from './batch.js';
import { blockWeightsFor, validateBlockSequence, type BlockSource, type BlockWeights } from './block-weights.js';
import { BLOCK_IO, decoderBlockGraph } from './graphs/decoder-block.js';
import { STATS_IO, blockStatsGraph } from './graphs/block-stats.js';
import { EMBEDDING_IO, embeddingGraph } from './graphs/embedding.js';
import { HEAD_IO, logitsGraph, tokenLogProbGraph } from './graphs/lm-head.js';
import type { BuiltModel } from './onnx/graph-builder.js';
import { openProvider, type ComputeProvider, type ProviderName, type ProviderOptions } from './providers.js';
import { rotaryInverseFrequencies, rotaryTables } from './rotary-tables.js';
import { openWeightStore, type WeightStore } from './weight-store.js';
import { int8Path, isInt8Path, type Int8Path } from './int8-path.js';
import { startingTensors, statesFor, type LayerStates } from './layer-states.js';
import type { QuantisedWeights } from './quantised-weights.js';
import { DEFAULT_ACTIVATION_BUDGET } from '../memory/forward.js';
import type { WeightMode } from '../../shared/memory.js';
import type { GpuPrecision } from '../../shared/compute.js';
import { createDeviceForwardEngine } from './device-forward-engine.js';
import { gpuForEngine, type GpuSettings } from './placement.js';
import type { TransferLedger } from './transfer-ledger.js';

export type { BlockSource } from './block-weights.js';

export interface ForwardEngineOptions extends ProviderOptions {
  /** How the weights are held (default resident-f32); src/main/memory chooses it for jobs. */
  weights?: WeightMode;
  /** Quick scans: run every product in int8 on these weights ('resident-int8'; int8-path.ts). */
  quantised?: QuantisedWeights;
  /** Bytes of intermediate activations one graph call may use; sets the batch size. */
  activationBudgetBytes?: number;
  /** Progress and cancel while resident weights load. */
  control?: TaskControl;
  /** Run device-resident on this GPU (placement.ts); with provider webgpu or auto it is found here. */
  gpu?: GpuSettings;
}

/** How an engine uses a GPU: the adapter, the precision, the bytes it moved and holds. */
export interface GpuUse {
  adapter: string;
  precision: GpuPrecision;
  ledger: TransferLedger;
  /** Bytes of weights held on the GPU. */
  weightBytes: number;
}

export interface RunOptions {
  /** Also measure every block of the sequence (angular distance, Block Influence). */
  collectStats?: boolean;
  /**
   * Also measure runs of n consecutive entries for each n listed (n >= 2): the same statistics
   * between h_l, the state entering entry l, and h_{l+n}, the state leaving entry l+n-1. Holds
   * the last n hidden states per batch while it runs.
   */
  spans?: readonly number[];
  /** The blocks to run, in order; default: every layer of the model once. */
  blockSequence?: readonly BlockSource[];
  /** Start from states an earlier run over the same sequences passed to onStates, not from the embedding. */
  startFrom?: LayerStates;
  /** Receives the states entering entry k of the block sequence (k = 0 .. n-1) and the final states (k = n). */
  onStates?: (k: number, states: LayerStates) => void;
  /** Block statistics only: the LM head does not run and tokenLogProbs is empty (scores). */
  skipHead?: boolean;
  control?: TaskControl;
}

/** Importance of one block, pooled over the run's sequences; h_in/h_out are raw block states. */
export interface BlockStats {
  /** Mean over sequences of arccos(cos(h_in, h_out))/pi at each sequence's last token. */
  angularLast: number;
  /** The same angle averaged over every real token of every sequence. */
  angularMean: number;
  /** 1 - mean cos(h_in, h_out) over every real token (ShortGPT). */
  blockInfluence: number;
}

export interface ForwardResult {
  /** Per sequence, log p(token t+1 | tokens 0..t) for t = 0 .. length-2 (natural log). */
  tokenLogProbs: Float32Array[];
  /** Per entry of the block sequence, when `collectStats`; otherwise null. */
  stats: BlockStats[] | null;
  /** Per span asked for in `spans`, one entry per start l = 0 .. length-n (absent when none were asked for). */
  spans?: { span: number; stats: BlockStats[] }[];
}

export interface ForwardEngine {
  readonly description: ModelDescription;
  /** The execution provider actually in use. */
  readonly provider: ProviderName;
  readonly threads: number;
  readonly weightMode: WeightMode;
  /** Present when the engine runs device-resident on a GPU (device-forward-engine.ts). */
  readonly gpu?: GpuUse;
  /**
   * Token log-probabilities (and block statistics) of every sequence. All sequences' hidden
   * states are held at once (work is layer-major), so pass a large corpus in slices of a few
   * hundred sequences.
   */
  run(sequences: readonly ArrayLike<number>[], options?: RunOptions): Promise<ForwardResult>;
  /** Full logits per sequence, row-major [length, vocab]: for tests and equivalence checks. */
  logits(sequences: readonly ArrayLike<number>[], options?: Omit<RunOptions, 'collectStats'>): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export async function createForwardEngine(reader: TensorReader, options: ForwardEngineOptions = {}): Promise<ForwardEngine> {
  const m = reader.description;
  const budget = options.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET;
  if (!(budget > 0)) throw new UserError(`The activation memory budget must be a positive number of bytes, got ${budget}.`);
  const gpu = await gpuForEngine(options);
  if (gpu) return createDeviceForwardEngine(reader, { ...gpu, threads: options.threads, activationBudgetBytes: budget, control: options.control });
  const provider = await openProvider(options);
  const sessions: ort.InferenceSession[] = [];
  const open = async (model: BuiltModel): Promise<ort.InferenceSession> => {
    const session = await provider.createSession(model);
    sessions.push(session);
    return session;
  };
  try {
    const int8 = options.quantised ? int8Path(options.quantised) : null;
    const graphs: EngineSessions = {
      embedding: await open(embeddingGraph(m)),
      block: await open(int8?.graphs.block ?? decoderBlockGraph(m)),
      stats: await open(blockStatsGraph(m.hiddenSize)),
      logProbs: await open(int8?.graphs.logProbs ?? tokenLogProbGraph(m)),
      logits: await open(int8?.graphs.logits ?? logitsGraph(m)),
    };
    const weights = int8 ?? (await openWeightStore(reader, options.weights ?? 'resident-f32', { control: options.control }));
    return new OnnxForwardEngine(m, provider, graphs, weights, budget);
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release()));
    throw e;
  }
}

/** Span lengths worth measuring: 2 to the sequence's length, each once (1 is the per-block statistics). */
export function validSpans(spans: readonly number[], length: number): number[] {
  for (const n of spans) {
    if (!Number.isInteger(n) || n < 2 || n > length)
      throw new UserError(`A span of ${n} blocks cannot be measured here: spans run from 2 to ${length} blocks.`);
  }
  return [...new Set(spans)].sort((a, b) => a - b);
}

interface EngineSessions {
  embedding: ort.InferenceSession;
  block: ort.InferenceSession;
  stats: ort.InferenceSession;
  logProbs: ort.InferenceSession;
  logits: ort.InferenceSession;
}

/** Running sums of one block's statistics over batches. */
interface StatSums {
  angle: number;
  cosine: number;
  lastAngle: number;
}

class OnnxForwardEngine implements ForwardEngine {
  private readonly inverseFrequencies: Float32Array;
  private disposed = false;

  constructor(
    readonly description: ModelDescription,
    private readonly computeProvider: ComputeProvider,
    private readonly sessions: EngineSessions,
    private readonly weights: WeightStore | Int8Path,
    private readonly activationBudget: number,
  ) {
    this.inverseFrequencies = rotaryInverseFrequencies(description);
  }

  get provider(): ProviderName {
    return this.computeProvider.name;
  }

  get threads(): number {
    return this.computeProvider.threads;
  }

  get weightMode(): WeightMode {
    return this.weights.mode;
  }

  async run(sequences: readonly ArrayLike<number>[], options: RunOptions = {}): Promise<ForwardResult> {
    const { batches, hidden, stats, spans } = await this.hiddenStates(sequences, options, options.collectStats === true);
    if (options.skipHead) {
      options.control?.onProgress?.({ fraction: 1, message: 'Forward pass done' });
      return { tokenLogProbs: [], stats, ...(spans.length ? { spans } : {}) };
    }
    const headFeeds = await this.headWeightFeeds();
    const tokenLogProbs: Float32Array[] = new Array(sequences.length);
    for (const [b, batch] of batches.entries()) {
      throwIfCancelled(options.control?.signal);
      const out = await this.sessions.logProbs.run({ ...headFeeds, [HEAD_IO.hidden]: hidden[b], [HEAD_IO.targets]: batch.targets });
      const logProbs = out[HEAD_IO.logProbs].data as Float32Array;
      batch.rows.forEach((s, r) => {
        const start = r * batch.seqLen;
        tokenLogProbs[s] = logProbs.slice(start, start + batch.lengths[r] - 1);
      });
    }
    options.control?.onProgress?.({ fraction: 1, message: 'Forward pass done' });
    return { tokenLogProbs, stats, ...(spans.length ? { spans } : {}) };
  }

  async logits(sequences: readonly ArrayLike<number>[], options: Omit<RunOptions, 'collectStats'> = {}): Promise<Float32Array[]> {
    const { batches, hidden } = await this.hiddenStates(sequences, options, false);
    const vocab = this.description.vocabSize;
    const headFeeds = await this.headWeightFeeds();
    const result: Float32Array[] = new Array(sequences.length);
    for (const [b, batch] of batches.entries()) {
      const out = await this.sessions.logits.run({ ...headFeeds, [HEAD_IO.hidden]: hidden[b] });
      const logits = out[HEAD_IO.logits].data as Float32Array;
      batch.rows.forEach((s, r) => {
        const start = r * batch.seqLen * vocab;
        result[s] = logits.slice(start, start + batch.lengths[r] * vocab);
      });
    }
    return result;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(Object.values(this.sessions).map((s) => s.release()));
  }

  /** Embedding, then every block of the sequence layer-major; returns the last hidden states. */
  private async hiddenStates(
    sequences: readonly ArrayLike<number>[],
    options: RunOptions,
    collectStats: boolean,
  ): Promise<{ batches: PaddedBatch[]; hidden: ort.Tensor[]; stats: BlockStats[] | null; spans: { span: number; stats: BlockStats[] }[] }> {
    if (this.disposed) throw new Error('The forward engine was disposed.');
    const m = this.description;
    const blockSequence = options.blockSequence ?? Array.from({ length: m.layers }, (_, i) => i);
    validateBlockSequence(blockSequence, m);
    validateSequences(sequences, m);
    const control = options.control;
    const batches = planBatches(sequences, m, this.activationBudget);
    // Rows of the tables for the longest batch (the first) serve every shorter one as a prefix.
    const half = this.inverseFrequencies.length;
    const rotary = rotaryTables(this.inverseFrequencies, batches[0].seqLen);
    const positionFeeds = batches.map((batch) => ({
      [BLOCK_IO.ropeCos]: new ort.Tensor('float32', rotary.cos.subarray(0, batch.seqLen * half), [batch.seqLen, half]),
      [BLOCK_IO.ropeSin]: new ort.Tensor('float32', rotary.sin.subarray(0, batch.seqLen * half), [batch.seqLen, half]),
      [BLOCK_IO.keyMask]: batch.tokenMask,
    }));

    const hidden = options.startFrom ? startingTensors(options.startFrom, batches) : await this.embed(batches);
    options.onStates?.(0, statesFor(batches, hidden));

    const sums: StatSums[] = [];
    const spans = validSpans(options.spans ?? [], blockSequence.length);
    const spanSums = spans.map(() => [] as StatSums[]);
    // recent[b]: the states that entered the last (longest span) entries for batch b, oldest first.
    const longest = Math.max(0, ...spans);
    const recent: ort.Tensor[][] = batches.map(() => []);
    const steps = blockSequence.length + 2;
    for (const [step, source] of blockSequence.entries()) {
      throwIfCancelled(control?.signal);
      control?.onProgress?.({ fraction: (step + 1) / steps, message: `Block ${step + 1} of ${blockSequence.length}` });
      const weightFeeds = await this.blockFeeds(source);
      const blockSums: StatSums = { angle: 0, cosine: 0, lastAngle: 0 };
      // This entry's output is h_{step+1}: a span of n ending here starts at l = step + 1 - n.
      spans.forEach((n, k) => step + 1 >= n && spanSums[k].push({ angle: 0, cosine: 0, lastAngle: 0 }));
      for (const [b, batch] of batches.entries()) {
        const out = await this.sessions.block.run({ ...weightFeeds, ...positionFeeds[b], [BLOCK_IO.hidden]: hidden[b] });
        const next = out[BLOCK_IO.output];
        if (collectStats) await this.addStats(blockSums, batch, hidden[b], next);
        if (longest > 0) {
          recent[b].push(hidden[b]);
          if (recent[b].length > longest) recent[b].shift();
          for (const [k, n] of spans.entries()) {
            if (recent[b].length >= n) await this.addStats(spanSums[k].at(-1)!, batch, recent[b][recent[b].length - n], next);
          }
        }
        hidden[b] = next;
      }
      sums.push(blockSums);
      options.onStates?.(step + 1, statesFor(batches, hidden));
    }
    return {
      batches,
      hidden,
      stats: collectStats ? this.poolStats(sums, batches) : null,
      spans: spans.map((span, k) => ({ span, stats: this.poolStats(spanSums[k], batches) })),
    };
  }

  private async embed(batches: readonly PaddedBatch[]): Promise<ort.Tensor[]> {
    const m = this.description;
    const embedding = isInt8Path(this.weights) ? this.weights.weights.embedding : await this.weights.embedding();
    const embedWeight = this.tensor(embedding, [m.vocabSize, m.hiddenSize]);
    const hidden: ort.Tensor[] = [];
    for (const batch of batches) {
      const out = await this.sessions.embedding.run({ [EMBEDDING_IO.tokenIds]: batch.tokenIds, [EMBEDDING_IO.weight]: embedWeight });
      hidden.push(out[EMBEDDING_IO.output]);
    }
    return hidden;
  }

  private async headWeightFeeds(): Promise<Record<string, ort.Tensor>> {
    const m = this.description;
    if (isInt8Path(this.weights)) return this.weights.headFeeds();
    return {
      [HEAD_IO.normWeight]: this.tensor(await this.weights.finalNorm(), [m.hiddenSize]),
      [HEAD_IO.headWeight]: this.tensor(await this.weights.head(), [m.vocabSize, m.hiddenSize]),
    };
  }

  private async addStats(sums: StatSums, batch: PaddedBatch, blockIn: ort.Tensor, blockOut: ort.Tensor): Promise<void> {
    const out = await this.sessions.stats.run({
      [STATS_IO.blockIn]: blockIn,
      [STATS_IO.blockOut]: blockOut,
      [STATS_IO.tokenMask]: batch.tokenMask,
      [STATS_IO.lastMask]: batch.lastMask,
    });
    const scalar = (name: string): number => (out[name].data as Float32Array)[0];
    sums.angle += scalar(STATS_IO.angleSum);
    sums.cosine += scalar(STATS_IO.cosineSum);
    sums.lastAngle += scalar(STATS_IO.lastAngleSum);
  }

  private poolStats(sums: StatSums[], batches: PaddedBatch[]): BlockStats[] {
    const sequences = batches.reduce((n, b) => n + b.rows.length, 0);
    const tokens = batches.reduce((n, b) => n + b.lengths.reduce((a, l) => a + l, 0), 0);
    return sums.map((s) => ({
      angularLast: s.lastAngle / sequences,
      angularMean: s.angle / tokens,
      blockInfluence: 1 - s.cosine / tokens,
    }));
  }

  private async blockFeeds(source: BlockSource): Promise<Record<string, ort.Tensor>> {
    if (isInt8Path(this.weights)) return this.weights.blockFeeds(source);
    const store = this.weights;
    const weights: BlockWeights = await blockWeightsFor(source, (layer) => store.block(layer));
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of blockTensorSpecs(this.description)) feeds[spec.name] = this.tensor(weights.get(spec.name)!, spec.shape);
    return feeds;
  }

  /** Wraps weights without copying them. */
  private tensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
    return new ort.Tensor('float32', data, dims);
  }
}
