/**
 * Python's `random.Random(seed)` and its `sample()`, bit for bit: the generator that
 * lm-evaluation-harness seeds (fewshot seed 1234 by default) to choose each question's few-shot
 * examples. With the same seed, the same example pool and the questions visited in the same
 * order, the examples chosen here are the harness's.
 *
 * The generator is MT19937 (Matsumoto and Nishimura, 1998) seeded the way CPython seeds an
 * integer: init_by_array over the 32-bit words of |seed|, least significant first.
 *   getrandbits(k), k <= 32  = next 32-bit output >> (32 - k)
 *   randbelow(n)             = getrandbits(bitLength(n)) repeated until it is below n
 *   sample(population, k)    = CPython 3.x's two strategies: a shrinking pool when
 *                              n <= 21 (+ 4^ceil(log4(3k)) when k > 5), else rejection of
 *                              indices already taken.
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`The seed must be a whole number, got ${seed}.`);
    this.seedByArray(wordsOf(Math.abs(seed)));
  }

  /** A uniform integer with k random bits (1 <= k <= 32). */
  getrandbits(k: number): number {
    if (!(k >= 1 && k <= 32)) throw new Error(`getrandbits takes 1 to 32 bits here, got ${k}.`);
    return this.next() >>> (32 - k);
  }

  /** A uniform integer in [0, n), n >= 1. */
  randbelow(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n < 2 ** 32)) throw new Error(`randbelow takes 1 to 2^32 - 1, got ${n}.`);
    const k = bitLength(n);
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** k distinct elements of `population`, in the order Python's random.sample returns them. */
  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length;
    if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new Error(`Cannot sample ${k} of ${n} items.`);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    const result: T[] = [];
    if (n <= setsize) {
      const pool = [...population];
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result.push(pool[j]);
        pool[j] = pool[n - i - 1];
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result.push(population[j]);
      }
    }
    return result;
  }

  private seedScalar(s: number): void {
    this.mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = N;
  }

  private seedByArray(key: readonly number[]): void {
    this.seedScalar(19650218);
    const mt = this.mt;
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private next(): number {
    const mt = this.mt;
    if (this.index >= N) {
      for (let kk = 0; kk < N; kk++) {
        const y = (mt[kk] & UPPER) | (mt[(kk + 1) % N] & LOWER);
        mt[kk] = mt[(kk + M) % N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** The 32-bit words of a non-negative integer, least significant first (CPython's key; [0] for 0). */
function wordsOf(x: number): number[] {
  const words: number[] = [];
  do {
    words.push(x % 2 ** 32);
    x = Math.floor(x / 2 ** 32);
  } while (x > 0);
  return words;
}

/** Python's int.bit_length() for 0 <= n < 2^32. */
function bitLength(n: number): number {
  return 32 - Math.clz32(n);
}
