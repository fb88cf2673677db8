/**
 * Which training sequences each step reads. Shuffled: each epoch visits every sequence once,
 * in the order of a seeded hash of (epoch, index), so the order is a pure function of
 * (seed, epoch) and the whole random state is the position {epoch, offset}. Without shuffling
 * (--no-shuffle) the sequences go in data order, epoch after epoch.
 */
import { seededHash } from '../data/hash32.js';

export interface DataPosition {
  epoch: number;
  /** Sequences of this epoch already used. */
  offset: number;
}

export class DataOrder {
  private order: Uint32Array;
  private current: DataPosition;

  constructor(
    private readonly count: number,
    private readonly seed: number,
    private readonly shuffle: boolean,
    start: DataPosition = { epoch: 0, offset: 0 },
  ) {
    this.current = { ...start };
    this.order = this.epochOrder(start.epoch);
  }

  get position(): DataPosition {
    return { ...this.current };
  }

  /** The next n sequence indices, moving on to the next epoch when this one runs out. */
  next(n: number): number[] {
    const picked: number[] = [];
    while (picked.length < n) {
      picked.push(this.peek());
      this.current.offset++;
    }
    return picked;
  }

  /** The index next() would return first (an exhausted epoch gives way to the next one). */
  peek(): number {
    if (this.current.offset === this.count) {
      this.current = { epoch: this.current.epoch + 1, offset: 0 };
      this.order = this.epochOrder(this.current.epoch);
    }
    return this.order[this.current.offset];
  }

  private epochOrder(epoch: number): Uint32Array {
    const order = Uint32Array.from({ length: this.count }, (_, i) => i);
    if (!this.shuffle) return order;
    const epochSeed = seededHash(this.seed, epoch);
    const keys = order.map((i) => seededHash(epochSeed, i));
    return order.sort((a, b) => keys[a] - keys[b] || a - b);
  }
}
