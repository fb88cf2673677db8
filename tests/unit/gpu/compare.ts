/** Errors relative to the reference's scale: max |a - b| / max |b| over all values. */
export function relativeError(actual: ArrayLike<number>[], expected: ArrayLike<number>[]): number {
  let worst = 0;
  let scale = 0;
  expected.forEach((e, s) => {
    for (let i = 0; i < e.length; i++) {
      worst = Math.max(worst, Math.abs(actual[s][i] - e[i]));
      scale = Math.max(scale, Math.abs(e[i]));
    }
  });
  return scale === 0 ? worst : worst / scale;
}

/** Tolerances of the GPU against the CPU: fp32 1e-4 relative; fp16 2e-2 on logits, 1e-2 on mean NLL. */
export const TOLERANCE = {
  fp32: { values: 1e-4, meanNll: 1e-4 },
  fp16: { values: 2e-2, meanNll: 1e-2 },
} as const;

export function meanNll(logProbs: Float32Array[]): number {
  let sum = 0;
  let count = 0;
  for (const row of logProbs) {
    for (const x of row) sum -= x;
    count += row.length;
  }
  return sum / count;
}
