/**
 * Which sequences each step reads when several sources are mixed (domain corpora by weight,
 * general text replayed at a fixed share). Every source keeps its own seeded order
 * (data-order.ts); the mix decides, slot by slot, which source gives the next sequence, by
 * tokens:
 *
 *   next source = argmin over k of (T_k + L_k) / share_k
 *
 * with T_k the tokens source k has given so far and L_k the length of its next sequence (ties:
 * the lower k). This is weighted fair queueing: after any number of slots every source's token
 * count is within one sequence of share_k times the total, so the shares hold within each
 * step as well as integers allow and exactly in the long run, and the stream is a pure function
 * of (seeds, position). A share too small for one sequence per step (5% of 8 sequences) comes
 * as a whole sequence every few steps. The whole state is the sources' positions and token
 * counts, which checkpoints keep, so a resumed run reads the same stream.
 *
 * Source 0 uses the run's seed itself, so a run of one source reads exactly what DataOrder
 * alone gives.
 */
import { seededHash } from '../data/hash32.js';
import { DataOrder, type DataPosition } from './data-order.js';

export interface MixPosition {
  sources: DataPosition[];
  /** Tokens each source has given. */
  tokens: number[];
}

export interface MixSource {
  /** Sequences available. */
  count: number;
  /** Tokens of sequence i. */
  length: (index: number) => number;
  /** Share of the tokens, > 0 (shares add up to 1). */
  share: number;
}

export interface MixPick {
  source: number;
  index: number;
}

export class MixedOrder {
  private readonly orders: DataOrder[];
  private readonly tokens: number[];

  constructor(
    private readonly sources: readonly MixSource[],
    seed: number,
    shuffle: boolean,
    start: MixPosition = { sources: sources.map(() => ({ epoch: 0, offset: 0 })), tokens: sources.map(() => 0) },
  ) {
    this.orders = sources.map((s, k) => new DataOrder(s.count, k === 0 ? seed : seededHash(seed, k), shuffle, start.sources[k]));
    this.tokens = [...start.tokens];
  }

  get position(): MixPosition {
    return { sources: this.orders.map((o) => o.position), tokens: [...this.tokens] };
  }

  /** Tokens each source has given so far. */
  get tokensRead(): number[] {
    return [...this.tokens];
  }

  /** The next n picks. */
  next(n: number): MixPick[] {
    const picks: MixPick[] = [];
    for (let slot = 0; slot < n; slot++) {
      let best = 0;
      let bestFinish = Infinity;
      this.sources.forEach((s, k) => {
        const finish = (this.tokens[k] + s.length(this.orders[k].peek())) / s.share;
        if (finish < bestFinish) [best, bestFinish] = [k, finish];
      });
      const index = this.orders[best].next(1)[0];
      this.tokens[best] += this.sources[best].length(index);
      picks.push({ source: best, index });
    }
    return picks;
  }
}
