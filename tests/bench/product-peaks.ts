/**
 * This machine's peak for each kind of product the engine can use, measured the way the engine
 * runs them (onnxruntime's CPU provider, all cores): one large square product N x N x N of
 *   fp32   MatMul float32
 *   fp16   MatMul float16 (what a graph fed fp16 weights and activations would reach)
 *   int8   MatMulInteger uint8 x int8 with zero point 128 (the quick scans' product)
 * in GFLOP/s (GOP/s for int8), 2 operations per multiply-add, best of REPEATS after a warm-up.
 * Engine phases are reported as a share of these (effective rate / peak).
 */
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../src/main/engine/onnx/graph-builder.js';
import { openProvider } from '../../src/main/engine/providers.js';

export const PEAK_SIZE = 2048;
const REPEATS = 5;

export interface ProductPeaks {
  size: number;
  threads: number;
  /** GFLOP/s (GOP/s for int8). */
  fp32: number;
  fp16: number;
  int8: number;
}

function seededBytes(count: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  return Uint8Array.from({ length: count }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a >>> 24;
  });
}

export async function measurePeaks(threads: number, n = PEAK_SIZE): Promise<ProductPeaks> {
  const provider = await openProvider({ threads });
  const time = async (g: GraphBuilder, feeds: Record<string, ort.Tensor>): Promise<number> => {
    const session = await provider.createSession(g.build());
    try {
      await session.run(feeds);
      let best = Infinity;
      for (let r = 0; r < REPEATS; r++) {
        const start = performance.now();
        await session.run(feeds);
        best = Math.min(best, (performance.now() - start) / 1000);
      }
      return (2 * n ** 3) / best / 1e9;
    } finally {
      await session.release();
    }
  };
  const square = (type: 'float32' | 'float16' | 'uint8' | 'int8', seed: number): ort.Tensor => {
    const bytes = seededBytes(n * n, seed);
    if (type === 'float32')
      return new ort.Tensor(
        type,
        Float32Array.from(bytes, (b) => b / 256 - 0.5),
        [n, n],
      );
    if (type === 'float16')
      return new ort.Tensor(
        type,
        Uint16Array.from(bytes, (b) => 0x3800 + b),
        [n, n],
      ); // values in [0.5, 1)
    if (type === 'uint8') return new ort.Tensor(type, bytes, [n, n]);
    return new ort.Tensor(
      type,
      Int8Array.from(bytes, (b) => (b % 127) - 63),
      [n, n],
    );
  };
  const product = (type: 'float32' | 'float16') => {
    const g = new GraphBuilder(`peak-${type}`);
    g.output('y', g.op('MatMul', [g.input('a', type, [n, n]), g.input('b', type, [n, n])]), type, [n, n]);
    return time(g, { a: square(type, 1), b: square(type, 2) });
  };
  const integer = () => {
    const g = new GraphBuilder('peak-int8');
    g.output('y', g.op('MatMulInteger', [g.input('a', 'uint8', [n, n]), g.input('b', 'int8', [n, n]), g.uint8(128)]), 'int32', [n, n]);
    return time(g, { a: square('uint8', 3), b: square('int8', 4) });
  };
  return { size: n, threads, fp32: await product('float32'), fp16: await product('float16'), int8: await integer() };
}
