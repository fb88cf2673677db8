/**
 * PythonRandom against CPython 3.11 itself: the values below were printed by
 *   r = random.Random(1234); [r.getrandbits(32) for _ in range(3)]
 *   r = random.Random(1234); r.sample(range(100), 5), r.sample(range(10), 3), r.sample(range(1000), 26)
 *   random.Random(0).sample(range(7), 7);  random.Random(2**40 + 5).getrandbits(32)
 * They cover both of sample()'s strategies (pool and rejection) and a seed wider than 32 bits.
 */
import { describe, expect, it } from 'vitest';
import { PythonRandom } from '../../../../src/main/evaluate/tasks/python-random.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('PythonRandom', () => {
  it('gives CPython getrandbits(32) for seed 1234 and a seed of two words', () => {
    const r = new PythonRandom(1234);
    expect([r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)]).toEqual([4150886329, 3342196574, 1892932127]);
    expect(new PythonRandom(2 ** 40 + 5).getrandbits(32)).toBe(2166296868);
  });

  it('samples as CPython does, one generator carried across calls (the harness shares one per task)', () => {
    const r = new PythonRandom(1234);
    expect(r.sample(range(100), 5)).toEqual([99, 56, 14, 0, 11]);
    expect(r.sample(range(10), 3)).toEqual([9, 0, 1]);
    expect(r.sample(range(1000), 26)).toEqual([
      100, 784, 363, 242, 17, 31, 807, 16, 354, 663, 638, 495, 630, 474, 152, 93, 187, 730, 117, 865, 14, 515, 498, 901, 988, 255,
    ]);
    expect(new PythonRandom(0).sample(range(7), 7)).toEqual([6, 3, 5, 0, 1, 2, 4]);
  });

  it('refuses a sample larger than the population', () => {
    expect(() => new PythonRandom(1).sample([1, 2], 3)).toThrow(/Cannot sample 3 of 2/);
  });
});
