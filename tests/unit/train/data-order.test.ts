/** The order in which training reads sequences: seeded permutations per epoch, data order without shuffling, resumable positions. */
import { describe, expect, it } from 'vitest';
import { DataOrder } from '../../../src/main/train/data-order.js';

describe('data order', () => {
  it('each epoch visits every sequence once; the order depends on the seed and the epoch', () => {
    const order = new DataOrder(50, 7, true);
    const first = order.next(50);
    const second = order.next(50);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...second].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(second).not.toEqual(first);
    expect(first).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new DataOrder(50, 7, true).next(50)).toEqual(first);
    expect(new DataOrder(50, 8, true).next(50)).not.toEqual(first);
  });

  it('without shuffling, the next sequences in data order, wrapping around', () => {
    const order = new DataOrder(5, 0, false);
    expect(order.next(3)).toEqual([0, 1, 2]);
    expect(order.next(4)).toEqual([3, 4, 0, 1]);
    expect(order.position).toEqual({ epoch: 1, offset: 2 });
  });

  it('a position taken mid-epoch continues exactly where the run left off', () => {
    const whole = new DataOrder(13, 3, true);
    const expected = whole.next(40);
    const part = new DataOrder(13, 3, true);
    const head = part.next(17);
    const resumed = new DataOrder(13, 3, true, part.position);
    expect([...head, ...resumed.next(23)]).toEqual(expected);
  });
});
