/** The ONNX graph builder: graphs it writes load in onnxruntime and compute what they say. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../../src/main/engine/onnx/graph-builder.js';
import { openProvider } from '../../../src/main/engine/providers.js';
import { seededRandom } from './random-model.js';

async function runGraph(g: GraphBuilder, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const provider = await openProvider({ threads: 1 });
  const session = await provider.createSession(g.build());
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('GraphBuilder', () => {
  it('writes dynamic dimensions and INT, INTS, FLOAT and STRING attributes', async () => {
    const g = new GraphBuilder('attributes');
    const x = g.input('x', 'float32', ['rows', 3]);
    const transposed = g.op('Transpose', [x], { perm: [1, 0] });
    const softmax = g.op('Softmax', [transposed], { axis: 0 });
    const leaky = g.op('LeakyRelu', [g.op('Sub', [softmax, g.constant(0.5)])], { alpha: { float: 0.25 } });
    const gelu = g.op('Gelu', [leaky], { approximate: 'tanh' });
    g.output('y', gelu, 'float32', [3, 'rows']);

    const rows = 4;
    const input = Float32Array.from({ length: rows * 3 }, (_, i) => Math.sin(i) * 3);
    const out = await runGraph(g, { x: new ort.Tensor('float32', input, [rows, 3]) });
    expect(out.y.dims).toEqual([3, rows]);

    const geluTanh = (z: number): number => 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3)));
    const y = out.y.data as Float32Array;
    for (let r = 0; r < rows; r++) {
      // Softmax over axis 0 of the transposed [3, rows] matrix = over the 3 values of input row r.
      const row = [0, 1, 2].map((c) => input[r * 3 + c]);
      const z = row.reduce((a, b) => a + Math.exp(b), 0);
      row.forEach((v, c) => {
        const centred = Math.exp(v) / z - 0.5;
        expect(y[c * rows + r]).toBeCloseTo(geluTanh(centred > 0 ? centred : 0.25 * centred), 6);
      });
    }
  });

  it('stores large initializers as in-memory external data without copying them', async () => {
    const random = seededRandom(3);
    const [k, n] = [256, 128];
    const weight = Float32Array.from({ length: k * n }, () => random() - 0.5);
    const bias = Float32Array.from({ length: n }, () => random());
    const g = new GraphBuilder('external');
    const x = g.input('x', 'float32', ['batch', k]);
    const y = g.op('Add', [g.op('MatMul', [x, g.initializer('weight', weight, [k, n])]), g.initializer('bias', bias, [n])]);
    g.output('y', y, 'float32', ['batch', n]);
    const built = g.build();

    expect(built.externalData).toHaveLength(1); // the 128 KiB weight; the 512-byte bias stays inline
    expect(built.externalData[0].data.buffer).toBe(weight.buffer);
    expect(built.bytes.byteLength).toBeLessThan(2048);

    const input = Float32Array.from({ length: 2 * k }, () => random());
    const provider = await openProvider({ threads: 1 });
    const session = await provider.createSession(built);
    const out = (await session.run({ x: new ort.Tensor('float32', input, [2, k]) })).y.data as Float32Array;
    await session.release();
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < n; j++) {
        let s = bias[j];
        for (let i = 0; i < k; i++) s += input[b * k + i] * weight[i * n + j];
        expect(out[b * n + j]).toBeCloseTo(s, 4);
      }
    }
  });

  it('rejects unknown inputs, duplicate names and fractional INT attributes while building', () => {
    const g = new GraphBuilder('errors');
    const x = g.input('x', 'float32', [2]);
    expect(() => g.op('Relu', ['nope'])).toThrow(/unknown input nope/);
    expect(() => g.input('x', 'float32', [2])).toThrow(/duplicate value name x/);
    expect(() => g.op('LeakyRelu', [x], { alpha: 0.1 })).toThrow(/\{ float: 0.1 \}/);
    expect(() => g.initializer('w', new Float32Array(3), [2, 2])).toThrow(/3 elements for shape \[2, 2\]/);
  });
});
