/**
 * The block-statistics graph on hand-made hidden states: exact at the two ends of the scale
 * (identity -> 0, negation -> 1), equal to float64 arccos elsewhere, blind to padding.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATS_IO, blockStatsGraph } from '../../../src/main/engine/graphs/block-stats.js';
import { openProvider } from '../../../src/main/engine/providers.js';
import { seededRandom } from './random-model.js';

const [B, T, H] = [3, 5, 16];
/** Real lengths per row; the rest of each row is padding. */
const LENGTHS = [5, 2, 4];

let session: ort.InferenceSession;
beforeAll(async () => {
  session = await (await openProvider({ threads: 1 })).createSession(blockStatsGraph(H));
});
afterAll(async () => session.release());

function masks(): { tokenMask: ort.Tensor; lastMask: ort.Tensor } {
  const token = new Uint8Array(B * T);
  const last = new Uint8Array(B * T);
  LENGTHS.forEach((len, b) => {
    token.fill(1, b * T, b * T + len);
    last[b * T + len - 1] = 1;
  });
  return { tokenMask: new ort.Tensor('bool', token, [B, T]), lastMask: new ort.Tensor('bool', last, [B, T]) };
}

async function stats(hIn: Float32Array, hOut: Float32Array): Promise<{ angle: number; cosine: number; lastAngle: number }> {
  const { tokenMask, lastMask } = masks();
  const out = await session.run({
    [STATS_IO.blockIn]: new ort.Tensor('float32', hIn, [B, T, H]),
    [STATS_IO.blockOut]: new ort.Tensor('float32', hOut, [B, T, H]),
    [STATS_IO.tokenMask]: tokenMask,
    [STATS_IO.lastMask]: lastMask,
  });
  const scalar = (name: string): number => (out[name].data as Float32Array)[0];
  return { angle: scalar(STATS_IO.angleSum), cosine: scalar(STATS_IO.cosineSum), lastAngle: scalar(STATS_IO.lastAngleSum) };
}

function randomStates(seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: B * T * H }, () => (random() - 0.5) * 40);
}

const realTokens = LENGTHS.reduce((a, b) => a + b, 0);

describe('block statistics graph', () => {
  it('scores an identity block 0 exactly', async () => {
    const h = randomStates(1);
    const s = await stats(h, h);
    expect(s.angle).toBe(0);
    expect(s.lastAngle).toBe(0);
    expect(s.cosine / realTokens).toBeCloseTo(1, 6);
  });

  it('scores a block that negates its input 1 (the largest angle)', async () => {
    const h = randomStates(2);
    const s = await stats(
      h,
      h.map((x) => -x),
    );
    expect(s.angle / realTokens).toBeCloseTo(1, 6);
    expect(s.lastAngle / B).toBeCloseTo(1, 6);
    expect(1 - s.cosine / realTokens).toBeCloseTo(2, 6);
  });

  it('matches float64 arccos(cos)/pi on general states and ignores padding, even NaN padding', async () => {
    const hIn = randomStates(3);
    const hOut = randomStates(4);
    let angle = 0;
    let cosine = 0;
    let lastAngle = 0;
    LENGTHS.forEach((len, b) => {
      for (let t = 0; t < len; t++) {
        let dot = 0;
        let a = 0;
        let c = 0;
        for (let i = 0; i < H; i++) {
          const x = hIn[(b * T + t) * H + i];
          const y = hOut[(b * T + t) * H + i];
          dot += x * y;
          a += x * x;
          c += y * y;
        }
        const cos = dot / Math.sqrt(a * c);
        const theta = Math.acos(cos) / Math.PI;
        angle += theta;
        cosine += cos;
        if (t === len - 1) lastAngle += theta;
      }
      for (let t = len; t < T; t++) hOut.fill(Number.NaN, (b * T + t) * H, (b * T + t + 1) * H);
    });
    const s = await stats(hIn, hOut);
    expect(s.angle).toBeCloseTo(angle, 5);
    expect(s.cosine).toBeCloseTo(cosine, 5);
    expect(s.lastAngle).toBeCloseTo(lastAngle, 5);
  });
});
