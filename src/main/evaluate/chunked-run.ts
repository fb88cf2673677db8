/**
 * engine.run over any number of sequences, one chunk at a time. The engine works layer-major
 * and so holds every sequence's hidden state at once; chunks keep those states within a fixed
 * budget. Block statistics are pooled over chunks with the weights the engine uses inside one
 * run: sequences for the last-token angle, real tokens for the token means.
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
  const size = sequencesPerChunk(engine.description, longest, hiddenStateBudgetBytes);
  const total = sequences.length;
  const tokenLogProbs: Float32Array[] = [];
  let pooled: { lastAngle: number; angle: number; cosine: number }[] | null = null;
  let pooledTokens = 0;
  for (let start = 0; start < total; start += size) {
    throwIfCancelled(control.signal);
    const end = Math.min(total, start + size);
    const chunk = sequences.slice(start, end);
    const span = progressSpan(control, start / total, end / total, `${label}, sequences ${start + 1}-${end} of ${total}`);
    const result = await engine.run(chunk, { ...options, control: span });
    for (const lp of result.tokenLogProbs) tokenLogProbs.push(lp);
    if (result.stats) {
      const tokens = chunk.reduce((n, s) => n + s.length, 0);
      const sums = (pooled ??= result.stats.map(() => ({ lastAngle: 0, angle: 0, cosine: 0 })));
      result.stats.forEach((s, k) => {
        sums[k].lastAngle += s.angularLast * chunk.length;
        sums[k].angle += s.angularMean * tokens;
        sums[k].cosine += (1 - s.blockInfluence) * tokens;
      });
      pooledTokens += tokens;
    }
  }
  const stats: BlockStats[] | null =
    pooled?.map((p) => ({ angularLast: p.lastAngle / total, angularMean: p.angle / pooledTokens, blockInfluence: 1 - p.cosine / pooledTokens })) ?? null;
  return { tokenLogProbs, stats };
}
