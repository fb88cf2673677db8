/**
 * The forward engine on a GPU (WebGPU), with everything that is large staying there: the
 * weights are uploaded once when the engine opens (device-weights.ts), hidden states pass from
 * block graph to block graph as device tensors, and only token ids and masks go up per batch and
 * only log-probabilities, logits or the block statistics' sums come back. Same interface, same
 * layer-major order and batching as the CPU engine (forward-engine.ts), so scoring, probes,
 * evaluation, generation and the function check run on it unchanged; only the probe cache
 * (startFrom/onStates: hidden states kept between runs) is the CPU engine's alone.
 *
 * Precision: fp16 weights and activations where the adapter has shader-f16, with RMSNorm
 * statistics, softmax, log-softmax and the block statistics in fp32 (see onnx/graph-builder.ts);
 * fp32 throughout otherwise.
 */
import type { GpuPrecision } from '../../shared/compute.js';
import type { ModelDescription } from '../../shared/model.js';
import { throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { TensorReader } from '../model/tensors.js';
import { planBatches, validateSequences, type PaddedBatch } from './batch.js';
import { validateBlockSequence } from './block-weights.js';
import { GpuDevice, free, hostData, type DeviceSession, type DeviceTensor } from './device.js';
import { DevicePositions } from './device-positions.js';
import { uploadWeights, type DeviceWeights } from './device-weights.js';
import { validSpans, type BlockStats, type ForwardEngine, type ForwardResult, type GpuUse, type RunOptions } from './forward-engine.js';
import { BLOCK_IO, decoderBlockGraph } from './graphs/decoder-block.js';
import { STATS_IO, blockStatsGraph } from './graphs/block-stats.js';
import { EMBEDDING_IO, embeddingGraph } from './graphs/embedding.js';
import { HEAD_IO, logitsGraph, tokenLogProbGraph } from './graphs/lm-head.js';
import type { FloatType } from './onnx/graph-builder.js';
import type { WeightMode } from '../../shared/memory.js';

export interface DeviceForwardOptions {
  precision: GpuPrecision;
  /** The adapter's name, for messages. */
  adapter: string;
  activationBudgetBytes: number;
  threads?: number;
  control?: TaskControl;
}

export async function createDeviceForwardEngine(reader: TensorReader, options: DeviceForwardOptions): Promise<ForwardEngine> {
  const m = reader.description;
  const device = await GpuDevice.open(options.threads, options.adapter);
  try {
    const float: FloatType = options.precision === 'fp16' ? 'float16' : 'float32';
    const p = { compute: float, weights: float };
    const sessions: Sessions = {
      embedding: await device.session(embeddingGraph(m, p), 'device', 'the embedding'),
      block: await device.session(decoderBlockGraph(m, {}, p), 'device', 'a decoder block'),
      stats: await device.session(blockStatsGraph(m.hiddenSize, p), 'host', 'the block statistics'),
      logProbs: await device.session(tokenLogProbGraph(m, p), 'host', 'the LM head'),
      logits: await device.session(logitsGraph(m, p), 'host', 'the LM head'),
    };
    const weights = await uploadWeights(reader, device, float, { control: options.control });
    return new DeviceForwardEngine(m, device, sessions, weights, options);
  } catch (e) {
    await device.release();
    throw e;
  }
}

interface Sessions {
  embedding: DeviceSession;
  block: DeviceSession;
  stats: DeviceSession;
  logProbs: DeviceSession;
  logits: DeviceSession;
}

interface StatSums {
  angle: number;
  cosine: number;
  lastAngle: number;
}

/** One batch's inputs on the GPU for the length of a run. */
interface DeviceBatch {
  batch: PaddedBatch;
  keyMask: DeviceTensor;
  lastMask: DeviceTensor | null;
  rotary: Record<string, DeviceTensor>;
}

class DeviceForwardEngine implements ForwardEngine {
  readonly provider = 'webgpu' as const;
  /** The host reads each tensor once and streams it to the GPU. */
  readonly weightMode: WeightMode = 'streamed';
  private readonly positions: DevicePositions;
  private disposed = false;

  constructor(
    readonly description: ModelDescription,
    private readonly device: GpuDevice,
    private readonly sessions: Sessions,
    private readonly weights: DeviceWeights,
    private readonly options: DeviceForwardOptions,
  ) {
    this.positions = new DevicePositions(description, device);
  }

  get threads(): number {
    return this.device.provider.threads;
  }

  get gpu(): GpuUse {
    return { adapter: this.options.adapter, precision: this.options.precision, ledger: this.device.ledger, weightBytes: this.weights.bytes };
  }

  async run(sequences: readonly ArrayLike<number>[], options: RunOptions = {}): Promise<ForwardResult> {
    return this.withHiddenStates(sequences, options, options.collectStats === true, async (batches, hidden, stats, spans) => {
      if (options.skipHead) {
        options.control?.onProgress?.({ fraction: 1, message: 'Forward pass done' });
        return { tokenLogProbs: [], stats, ...(spans.length ? { spans } : {}) };
      }
      const tokenLogProbs: Float32Array[] = new Array(sequences.length);
      for (const [b, { batch }] of batches.entries()) {
        throwIfCancelled(options.control?.signal);
        const out = await this.sessions.logProbs.run({ ...this.headFeeds(), [HEAD_IO.hidden]: hidden[b], [HEAD_IO.targets]: batch.targets });
        const logProbs = hostData(out[HEAD_IO.logProbs]);
        batch.rows.forEach((s, r) => {
          const start = r * batch.seqLen;
          tokenLogProbs[s] = logProbs.slice(start, start + batch.lengths[r] - 1);
        });
      }
      options.control?.onProgress?.({ fraction: 1, message: 'Forward pass done' });
      return { tokenLogProbs, stats, ...(spans.length ? { spans } : {}) };
    });
  }

  async logits(sequences: readonly ArrayLike<number>[], options: Omit<RunOptions, 'collectStats'> = {}): Promise<Float32Array[]> {
    const vocab = this.description.vocabSize;
    return this.withHiddenStates(sequences, options, false, async (batches, hidden) => {
      const result: Float32Array[] = new Array(sequences.length);
      for (const [b, { batch }] of batches.entries()) {
        const logits = hostData((await this.sessions.logits.run({ ...this.headFeeds(), [HEAD_IO.hidden]: hidden[b] }))[HEAD_IO.logits]);
        batch.rows.forEach((s, r) => {
          const start = r * batch.seqLen * vocab;
          result[s] = logits.slice(start, start + batch.lengths[r] * vocab);
        });
      }
      return result;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.weights.free();
    this.positions.free();
    await this.device.release();
  }

  private headFeeds(): Record<string, DeviceTensor> {
    return { [HEAD_IO.normWeight]: this.weights.finalNorm(), [HEAD_IO.headWeight]: this.weights.head() };
  }

  /**
   * Embedding, then every block of the sequence layer-major, all on the GPU; hands the last
   * hidden states to `use` and frees everything the run put on the device afterwards.
   */
  private async withHiddenStates<T>(
    sequences: readonly ArrayLike<number>[],
    options: RunOptions,
    collectStats: boolean,
    use: (batches: DeviceBatch[], hidden: DeviceTensor[], stats: BlockStats[] | null, spans: { span: number; stats: BlockStats[] }[]) => Promise<T>,
  ): Promise<T> {
    if (this.disposed) throw new Error('The forward engine was disposed.');
    // Kept hidden states would be GPU buffers whose lifetime the caller cannot see; on the GPU the
    // probe sweep recomputes the blocks before each probe instead (analysis-session.ts plans no cache).
    if (options.startFrom || options.onStates) throw new Error('The GPU forward engine does not keep or restart from hidden states.');
    const m = this.description;
    const blockSequence = options.blockSequence ?? Array.from({ length: m.layers }, (_, i) => i);
    validateBlockSequence(blockSequence, m);
    validateSequences(sequences, m);
    const spanLengths = validSpans(options.spans ?? [], blockSequence.length);
    const control = options.control;
    const batches: DeviceBatch[] = [];
    const hidden: DeviceTensor[] = [];
    const recent: DeviceTensor[][] = [];
    try {
      for (const batch of planBatches(sequences, m, this.options.activationBudgetBytes)) {
        batches.push({
          batch,
          keyMask: await this.positions.mask(batch.tokenMask),
          lastMask: collectStats || spanLengths.length ? await this.positions.mask(batch.lastMask) : null,
          rotary: await this.positions.rotary(batch.seqLen),
        });
      }
      for (const { batch } of batches) {
        const out = await this.sessions.embedding.run({ [EMBEDDING_IO.tokenIds]: batch.tokenIds, [EMBEDDING_IO.weight]: this.weights.embedding() });
        hidden.push(out[EMBEDDING_IO.output] as DeviceTensor);
      }

      const sums: StatSums[] = [];
      const spanSums = spanLengths.map(() => [] as StatSums[]);
      const longest = Math.max(0, ...spanLengths);
      batches.forEach(() => recent.push([]));
      const steps = blockSequence.length + 2;
      for (const [step, source] of blockSequence.entries()) {
        throwIfCancelled(control?.signal);
        control?.onProgress?.({ fraction: (step + 1) / steps, message: `Block ${step + 1} of ${blockSequence.length}` });
        const block = await this.weights.block(source);
        const blockSums: StatSums = { angle: 0, cosine: 0, lastAngle: 0 };
        spanLengths.forEach((n, k) => step + 1 >= n && spanSums[k].push({ angle: 0, cosine: 0, lastAngle: 0 }));
        try {
          for (const [b, entry] of batches.entries()) {
            const out = await this.sessions.block.run({ ...block.feeds, ...entry.rotary, [BLOCK_IO.keyMask]: entry.keyMask, [BLOCK_IO.hidden]: hidden[b] });
            const next = out[BLOCK_IO.output] as DeviceTensor;
            if (collectStats) await this.addStats(blockSums, entry, hidden[b], next);
            if (longest > 0) {
              recent[b].push(hidden[b]);
              if (recent[b].length > longest) free(recent[b].shift());
              for (const [k, n] of spanLengths.entries()) {
                if (recent[b].length >= n) await this.addStats(spanSums[k].at(-1)!, entry, recent[b][recent[b].length - n], next);
              }
            } else {
              free(hidden[b]);
            }
            hidden[b] = next;
          }
        } finally {
          block.release();
        }
        sums.push(blockSums);
      }
      for (const states of recent) free(...states.splice(0));
      return await use(
        batches,
        hidden,
        collectStats ? poolStats(sums, batches) : null,
        spanLengths.map((span, k) => ({ span, stats: poolStats(spanSums[k], batches) })),
      );
    } finally {
      free(...hidden);
      for (const states of recent) free(...states);
      for (const entry of batches) free(entry.keyMask, entry.lastMask);
    }
  }

  private async addStats(sums: StatSums, entry: DeviceBatch, blockIn: DeviceTensor, blockOut: DeviceTensor): Promise<void> {
    const out = await this.sessions.stats.run({
      [STATS_IO.blockIn]: blockIn,
      [STATS_IO.blockOut]: blockOut,
      [STATS_IO.tokenMask]: entry.keyMask,
      [STATS_IO.lastMask]: entry.lastMask!,
    });
    const scalar = (name: string): number => hostData(out[name])[0];
    sums.angle += scalar(STATS_IO.angleSum);
    sums.cosine += scalar(STATS_IO.cosineSum);
    sums.lastAngle += scalar(STATS_IO.lastAngleSum);
  }
}

/** As the CPU engine pools them. */
function poolStats(sums: StatSums[], batches: DeviceBatch[]): BlockStats[] {
  const sequences = batches.reduce((n, b) => n + b.batch.rows.length, 0);
  const tokens = batches.reduce((n, b) => n + b.batch.lengths.reduce((a, l) => a + l, 0), 0);
  return sums.map((s) => ({ angularLast: s.lastAngle / sequences, angularMean: s.angle / tokens, blockInfluence: 1 - s.cosine / tokens }));
}
