/**
 * Seeded normal random numbers for generated test weights: identical on every machine for the
 * same seed, and fast enough to fill hundreds of MB in about a second.
 *
 * Speed comes from inverse-transform sampling through a table: the standard normal's quantiles
 * at the 65536 equally likely levels (i + 0.5) / 65536. One 32-bit draw of mulberry32 gives two
 * 16-bit indices, hence two normal values, with no log or trig per value. The result is a normal
 * distribution quantised to 65536 levels (tails cut near 4.3 sigma), which is all test weights need.
 */

const LEVELS = 65536;
let quantiles: Float64Array | null = null;

/**
 * Phi^-1((i + 0.5) / LEVELS) for every level i. Phi is integrated from the density
 * phi(x) = exp(-x^2 / 2) / sqrt(2 pi) with the trapezoid rule on a fine grid, then inverted by
 * linear interpolation between grid points.
 */
function normalQuantiles(): Float64Array {
  if (quantiles) return quantiles;
  const step = 1 / 2048;
  const lo = -9;
  const points = Math.round((2 * -lo) / step) + 1;
  const density = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  const table = new Float64Array(LEVELS);
  let cdf = 0;
  let level = 0;
  for (let k = 1; k < points && level < LEVELS; k++) {
    const x0 = lo + (k - 1) * step;
    const x1 = x0 + step;
    const next = cdf + 0.5 * step * (density(x0) + density(x1));
    while (level < LEVELS && (level + 0.5) / LEVELS <= next) {
      const p = (level + 0.5) / LEVELS;
      table[level++] = x0 + (step * (p - cdf)) / (next - cdf);
    }
    cdf = next;
  }
  quantiles = table;
  return table;
}

/** `count` draws from N(mean, std^2) (quantised as described above), from a mulberry32 stream. */
export function seededNormals(seed: number, count: number, std: number, mean = 0): Float32Array {
  const table = normalQuantiles();
  const out = new Float32Array(count);
  let state = seed | 0;
  for (let i = 0; i < count; i += 2) {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const bits = (t ^ (t >>> 14)) >>> 0;
    out[i] = mean + std * table[bits & 0xffff];
    if (i + 1 < count) out[i + 1] = mean + std * table[bits >>> 16];
  }
  return out;
}
