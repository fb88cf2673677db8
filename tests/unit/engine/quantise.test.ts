/**
 * int8 quantisation of the quick scans against float64 references: weights per output channel
 * (values, scales, the transposed layout, round trips within half a step), activations per row
 * in the graph, and the int8 product, exact in int32 even where two products would saturate an
 * int16 (the reason weights keep 7 bits).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { linearInt8 } from '../../../src/main/engine/graphs/linear-int8.js';
import { quantiseRows } from '../../../src/main/engine/graphs/quantise-rows.js';
import { GraphBuilder } from '../../../src/main/engine/onnx/graph-builder.js';
import { openProvider } from '../../../src/main/engine/providers.js';
import { dequantiseWeight, quantiseWeight, roundHalfEven, WEIGHT_LEVELS } from '../../../src/main/engine/quantise.js';
import { seededRandom } from './random-model.js';

async function run(g: GraphBuilder, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const provider = await openProvider({ threads: 1 });
  const session = await provider.createSession(g.build());
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function randomMatrix(rows: number, columns: number, seed: number, scale = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: rows * columns }, () => (random() - 0.5) * 2 * scale);
}

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, as ONNX Round', () => {
    expect([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.4, -2.6, 3.5000001].map(roundHalfEven)).toEqual([-2, -2, -0, 0, 2, 2, 2, -3, 4]);
  });
});

describe('quantiseWeight', () => {
  it('matches a float64 reference: scale max|W_n|/63 per output channel, q = round(W/s) stored as [K, N]', () => {
    const [N, K] = [37, 53];
    const w = randomMatrix(N, K, 1, 0.3);
    w[5 * K + 7] = 2.5; // one large weight: only channel 5's scale grows
    const q = quantiseWeight(w, N, K);
    expect([q.rows, q.columns, q.values.length, q.scales.length]).toEqual([K, N, K * N, N]);
    for (let n = 0; n < N; n++) {
      let max = 0;
      for (let k = 0; k < K; k++) max = Math.max(max, Math.abs(w[n * K + k]));
      expect(q.scales[n]).toBe(Math.fround(max / WEIGHT_LEVELS));
      for (let k = 0; k < K; k++) {
        const exact = w[n * K + k] / q.scales[n]; // float64
        expect(Math.abs(q.values[k * N + n] - exact)).toBeLessThanOrEqual(0.5 + 1e-9);
        expect(Math.abs(q.values[k * N + n])).toBeLessThanOrEqual(WEIGHT_LEVELS);
      }
    }
    expect(q.values[7 * N + 5]).toBe(63);
  });

  it('round trip: every weight back within half a step of its channel, exactly q * s', () => {
    const [N, K] = [130, 70]; // more channels than one 64-channel tile
    const w = randomMatrix(N, K, 2, 0.05);
    const q = quantiseWeight(w, N, K);
    const back = dequantiseWeight(q);
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        expect(back[n * K + k]).toBe(Math.fround(q.values[k * N + n] * q.scales[n]));
        expect(Math.abs(back[n * K + k] - w[n * K + k])).toBeLessThanOrEqual(q.scales[n] / 2 + 1e-12);
      }
    }
    // Quantising the round trip again changes nothing.
    const again = quantiseWeight(back, N, K);
    expect(again.values).toEqual(q.values);
  });

  it('an all-zero channel gets scale 0 and zeros; a non-finite weight is refused', () => {
    const w = new Float32Array(2 * 3);
    w.set([1, -2, 0.5], 3);
    const q = quantiseWeight(w, 2, 3);
    expect(q.scales[0]).toBe(0);
    expect([q.values[0], q.values[2], q.values[4]]).toEqual([0, 0, 0]);
    const step = Math.fround(2 / 63);
    expect(dequantiseWeight(q).slice(3)).toEqual(Float32Array.from([1, -2, 0.5].map((v) => Math.fround(roundHalfEven(v / step) * step))));
    w[1] = Number.NaN;
    expect(() => quantiseWeight(w, 2, 3)).toThrow(/not finite/);
  });
});

describe('int8 graph pieces', () => {
  it('quantiseRows: a per-row scale max|x|/127 and a = round(x / r) + 128', async () => {
    const [M, K] = [6, 40];
    const x = randomMatrix(M, K, 3, 4);
    x.fill(0, 2 * K, 3 * K); // an all-zero row (padding)
    const g = new GraphBuilder('rows');
    const rows = quantiseRows(g, g.input('x', 'float32', [M, K]));
    g.output('a', rows.values, 'uint8', [M, K]);
    g.output('r', rows.scales, 'float32', [M, 1]);
    const out = await run(g, { x: new ort.Tensor('float32', x, [M, K]) });
    const a = out.a.data as Uint8Array;
    const r = out.r.data as Float32Array;
    for (let m = 0; m < M; m++) {
      let max = 0;
      for (let k = 0; k < K; k++) max = Math.max(max, Math.abs(x[m * K + k]));
      if (max === 0) {
        for (let k = 0; k < K; k++) expect(a[m * K + k]).toBe(128);
        continue;
      }
      expect(Math.abs(r[m] / (max / 127) - 1)).toBeLessThan(1e-6);
      for (let k = 0; k < K; k++) {
        const exact = x[m * K + k] / r[m] + 128;
        expect(Math.abs(a[m * K + k] - exact)).toBeLessThanOrEqual(0.5 + 1e-5);
        expect(a[m * K + k]).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('linearInt8: r_m s_n sum (a - 128) q exactly, and close to the fp32 product', async () => {
    const [M, K, N] = [5, 64, 24];
    const x = randomMatrix(M, K, 4, 2);
    const w = randomMatrix(N, K, 5, 0.1);
    const bias = randomMatrix(1, N, 6, 0.5);
    const q = quantiseWeight(w, N, K);
    const g = new GraphBuilder('linear-int8');
    const rows = quantiseRows(g, g.input('x', 'float32', [M, K]));
    const y = linearInt8(g, rows, g.input('w', 'int8', [K, N]), g.input('s', 'float32', [N]), g.input('b', 'float32', [N]));
    g.output('y', y, 'float32', [M, N]);
    g.output('a', rows.values, 'uint8', [M, K]);
    g.output('r', rows.scales, 'float32', [M, 1]);
    const out = await run(g, {
      x: new ort.Tensor('float32', x, [M, K]),
      w: new ort.Tensor('int8', q.values, [K, N]),
      s: new ort.Tensor('float32', q.scales, [N]),
      b: new ort.Tensor('float32', bias, [N]),
    });
    const [a, r, got] = [out.a.data as Uint8Array, out.r.data as Float32Array, out.y.data as Float32Array];
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        let exact = 0;
        for (let k = 0; k < K; k++) {
          sum += (a[m * K + k] - 128) * q.values[k * N + n];
          exact += x[m * K + k] * w[n * K + k];
        }
        const expected = r[m] * q.scales[n] * sum + bias[n];
        expect(Math.abs(got[m * N + n] - expected)).toBeLessThan(1e-5 * (1 + Math.abs(expected)));
        // Each term is off by at most half a step of x times |W| plus half a step of W times |x|.
        expect(Math.abs(got[m * N + n] - exact - bias[n])).toBeLessThan(0.05);
      }
    }
  });

  it('sums exactly where two products would saturate an int16 (a = 255, q = +-63)', async () => {
    const [M, K, N] = [2, 256, 3];
    const g = new GraphBuilder('saturation');
    const rows = { values: g.input('a', 'uint8', [M, K]), scales: g.input('r', 'float32', [M, 1]) };
    g.output('y', linearInt8(g, rows, g.input('w', 'int8', [K, N]), g.input('s', 'float32', [N])), 'float32', [M, N]);
    const a = new Uint8Array(M * K).fill(255).fill(1, K);
    const w = new Int8Array(K * N).map((_, i) => (i % N === 1 ? -WEIGHT_LEVELS : WEIGHT_LEVELS));
    const out = await run(g, {
      a: new ort.Tensor('uint8', a, [M, K]),
      r: new ort.Tensor('float32', Float32Array.of(1, 1), [M, 1]),
      w: new ort.Tensor('int8', w, [K, N]),
      s: new ort.Tensor('float32', Float32Array.of(1, 1, 1), [N]),
    });
    expect(Array.from(out.y.data as Float32Array)).toEqual([127, -127, 127, 127, -127, 127].map((v, i) => v * K * WEIGHT_LEVELS * (i < 3 ? 1 : -1)));
  });
});
