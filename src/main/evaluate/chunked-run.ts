/**
 * engine.run over any number of sequences, one chunk at a time. The engine works layer-major
 * and so holds every sequence's hidden state at once; chunks keep those states within a fixed
 * budget. Block (and span) statistics are pooled over chunks with the weights the engine uses
 * inside one run: sequences for the last-token angle, real tokens for the token means.
 */
import { progressSpan, throwIfCancelled, type TaskControl } from '../../shared/progress.js';
import type { BlockStats, ForwardEngine, ForwardResult, RunOptions } from '../engine/forward-engine.js';
import { HIDDEN_STATE_BUDGET_BYTES, sequencesPerChunk } from '../memory/forward.js';

export async function runInChunks(
  engine: ForwardEngine,
  sequences: readonly ArrayLike<number>[],
  options: Omit<RunOptions, 'control'>,
  control: TaskControl,
  label: string,
  hiddenStateBudgetBytes = HIDDEN_STATE_BUDGET_BYTES,
): Promise<ForwardResult> {
  const longest = sequences.reduce((n, s) => Math.max(n, s.length), 1);
  // Spans keep up to n more states alive per chunk.
  const held = 1 + Math.max(0, ...(options.spans ?? []));
  const size = sequencesPerChunk(engine.description, longest, hiddenStateBudgetBytes, held);
  const total = sequences.length;
  const tokenLogProbs: Float32Array[] = [];
  const blocks = new StatsPool();
  const spans = new Map<number, StatsPool>();
  for (let start = 0; start < total; start += size) {
    throwIfCancelled(control.signal);
    const end = Math.min(total, start + size);
    const chunk = sequences.slice(start, end);
    const span = progressSpan(control, start / total, end / total, `${label}, sequences ${start + 1}-${end} of ${total}`);
    const result = await engine.run(chunk, { ...options, control: span });
    for (const lp of result.tokenLogProbs) tokenLogProbs.push(lp);
    const tokens = chunk.reduce((n, s) => n + s.length, 0);
    if (result.stats) blocks.add(result.stats, chunk.length, tokens);
    for (const s of result.spans ?? []) {
      if (!spans.has(s.span)) spans.set(s.span, new StatsPool());
      spans.get(s.span)!.add(s.stats, chunk.length, tokens);
    }
  }
  return {
    tokenLogProbs,
    stats: blocks.pooled(),
    ...(spans.size ? { spans: [...spans].map(([span, pool]) => ({ span, stats: pool.pooled()! })) } : {}),
  };
}

/** Sums of per-chunk statistics, weighted by the sequences and tokens each chunk pooled over. */
class StatsPool {
  private sums: { lastAngle: number; angle: number; cosine: number }[] | null = null;
  private sequences = 0;
  private tokens = 0;

  add(stats: readonly BlockStats[], sequences: number, tokens: number): void {
    const sums = (this.sums ??= stats.map(() => ({ lastAngle: 0, angle: 0, cosine: 0 })));
    stats.forEach((s, k) => {
      sums[k].lastAngle += s.angularLast * sequences;
      sums[k].angle += s.angularMean * tokens;
      sums[k].cosine += (1 - s.blockInfluence) * tokens;
    });
    this.sequences += sequences;
    this.tokens += tokens;
  }

  pooled(): BlockStats[] | null {
    return (
      this.sums?.map((p) => ({ angularLast: p.lastAngle / this.sequences, angularMean: p.angle / this.tokens, blockInfluence: 1 - p.cosine / this.tokens })) ??
      null
    );
  }
}
